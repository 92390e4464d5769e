//! Weak password hashing and KDF parameters (checklist point 11).

use crate::registry::Registry;

pub(crate) fn register(_r: &mut Registry) {}
