//! Dependency audit: RustSec advisories, lock files, dependency sources (checklist point 8).

use crate::registry::Registry;

pub(crate) fn register(_r: &mut Registry) {}
