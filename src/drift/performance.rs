//! Model performance metrics.
