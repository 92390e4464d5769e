//! One file per subcommand.

pub mod check;
pub mod db;
pub mod explain;
pub mod init;
pub mod merge;
pub mod probe;
pub mod report;
pub mod rules;
