//! Cookies without Secure/HttpOnly/SameSite (checklist point 12).

use crate::registry::Registry;

pub(crate) fn register(_r: &mut Registry) {}
