//! Reasoning over a whole account: what a principal can do on a bucket,
//! which object keys it can write, and who else can write.
//!
//! [`documents`] parses every policy once; [`subject`] gathers what applies
//! to a principal; [`probe`] answers questions over whole resource spaces
//! by asking the policy engine about one member of each class of resources
//! the policies tell apart ([`lang`]).

pub mod documents;
pub mod lang;
pub mod probe;
pub mod subject;
