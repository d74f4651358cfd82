//! End-to-end tests of `compare` on small CSV inputs.

use super::*;
