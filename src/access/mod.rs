//! Reasoning over a whole account: what a principal can do on a bucket,
//! which object keys it can write, and who else can write.

pub mod lang;
