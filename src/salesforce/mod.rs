//! The Salesforce REST client: OAuth grants, sObject calls, queries, errors, SOQL building.
