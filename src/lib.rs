//! scim-bridge
