//! Route handlers without authentication or authorization (checklist point 14).

use crate::registry::Registry;

pub(crate) fn register(_r: &mut Registry) {}
