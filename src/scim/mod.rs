//! SCIM 2.0 protocol (RFC 7643/7644), independent of HTTP framework and of Salesforce.
