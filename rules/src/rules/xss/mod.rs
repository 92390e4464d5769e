//! Unescaped HTML sinks (checklist point 7).

use crate::registry::Registry;

pub(crate) fn register(_r: &mut Registry) {}
