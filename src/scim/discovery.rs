//! Discovery documents (RFC 7644 §4): ServiceProviderConfig (RFC 7643 §5), ResourceTypes
//! (RFC 7643 §6) and Schemas (RFC 7643 §7), built from the list of attributes the bridge maps.
//!
//! The attribute definitions are those of RFC 7643 §4.1 (User), §4.3 (enterprise extension) and
//! their schema representation in §8.7.1, with `id` from §3.1. A client reading `/Schemas`
//! should see only what the bridge can actually store (`externalId`, a common attribute of §3.1, is
//! listed like a User attribute when supported, since clients match on it), so [`user_schema`] keeps a definition
//! only when the caller lists it as supported (in the mapping syntax: `userName`,
//! `name.givenName`, `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:department`).
//! A complex attribute appears when any of its sub-attributes is supported, with just those
//! sub-attributes (plus `type` and `primary` for multi-valued ones, which clients need to write
//! `emails[type eq "work"]`). `id` is always present; `password` only when supported.

use serde_json::{json, Value};

use super::filter::AttrPath;
use super::path::parse_path;
use super::resource::{ResourceType, GROUP, USER};
use super::urn;

/// One attribute definition (RFC 7643 §7 "attributes").
#[derive(Debug, Clone)]
pub struct AttrDef {
    pub name: &'static str,
    /// `string`, `boolean`, `decimal`, `integer`, `dateTime`, `reference`, `binary`, `complex`.
    pub ty: &'static str,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    /// `readOnly`, `readWrite`, `immutable`, `writeOnly`.
    pub mutability: &'static str,
    /// `always`, `never`, `default`, `request`.
    pub returned: &'static str,
    /// `none`, `server`, `global`.
    pub uniqueness: &'static str,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: Vec<AttrDef>,
}

impl AttrDef {
    /// A single-valued, optional, case-insensitive, readWrite, default-returned, non-unique
    /// string: the RFC's most common characteristics (RFC 7643 §2.2 defaults).
    fn string(name: &'static str, description: &'static str) -> Self {
        Self {
            name,
            ty: "string",
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: "readWrite",
            returned: "default",
            uniqueness: "none",
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: Vec::new(),
        }
    }

    fn typed(mut self, ty: &'static str) -> Self {
        self.ty = ty;
        self
    }

    fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    fn complex(mut self, subs: Vec<AttrDef>) -> Self {
        self.ty = "complex";
        self.sub_attributes = subs;
        self
    }

    fn required(mut self) -> Self {
        self.required = true;
        self
    }

    fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    fn mutability(mut self, m: &'static str) -> Self {
        self.mutability = m;
        self
    }

    fn returned(mut self, r: &'static str) -> Self {
        self.returned = r;
        self
    }

    fn unique(mut self, u: &'static str) -> Self {
        self.uniqueness = u;
        self
    }

    fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }

    fn refs(mut self, types: &'static [&'static str]) -> Self {
        self.ty = "reference";
        self.reference_types = types;
        self
    }

    /// The definition as a Schema resource attribute (RFC 7643 §7).
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": self.ty,
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        });
        if let Some(obj) = v.as_object_mut() {
            if !self.canonical_values.is_empty() {
                obj.insert("canonicalValues".into(), json!(self.canonical_values));
            }
            if !self.reference_types.is_empty() {
                obj.insert("referenceTypes".into(), json!(self.reference_types));
            }
            if !self.sub_attributes.is_empty() {
                let subs: Vec<Value> = self.sub_attributes.iter().map(AttrDef::to_json).collect();
                obj.insert("subAttributes".into(), Value::Array(subs));
            }
        }
        v
    }

    fn sub(&self, name: &str) -> Option<&AttrDef> {
        self.sub_attributes
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }
}

/// `value`, `display`, `type`, `primary`: the usual sub-attributes of a multi-valued attribute
/// (RFC 7643 §2.4).
fn multi_subs(value: AttrDef, what: &'static str, types: &'static [&'static str]) -> Vec<AttrDef> {
    vec![
        value,
        AttrDef::string("display", what),
        AttrDef::string("type", "A label indicating the attribute's function.").canonical(types),
        AttrDef::string(
            "primary",
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute. The primary attribute value 'true' MUST appear no more than once.",
        )
        .typed("boolean"),
    ]
}

/// RFC 7643 §3.1 `id` and §4.1 User attributes, in the order of §8.7.1.
pub fn user_attribute_definitions() -> Vec<AttrDef> {
    let name_subs = vec![
        AttrDef::string("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III')."),
        AttrDef::string("familyName", "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III')."),
        AttrDef::string("givenName", "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III')."),
        AttrDef::string("middleName", "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III')."),
        AttrDef::string("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III')."),
        AttrDef::string("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III')."),
    ];
    let address_subs = vec![
        AttrDef::string("formatted", "The full mailing address, formatted for display or use with a mailing label."),
        AttrDef::string("streetAddress", "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information."),
        AttrDef::string("locality", "The city or locality component."),
        AttrDef::string("region", "The state or region component."),
        AttrDef::string("postalCode", "The zip code or postal code component."),
        AttrDef::string("country", "The country name component (ISO 3166-1 alpha-2 code)."),
        AttrDef::string("type", "A label indicating the attribute's function, e.g., 'work' or 'home'.").canonical(&["work", "home", "other"]),
        AttrDef::string("primary", "A Boolean value indicating the 'primary' or preferred address.").typed("boolean"),
    ];
    let group_subs = vec![
        AttrDef::string("value", "The identifier of the User's group.").mutability("readOnly"),
        AttrDef::string(
            "$ref",
            "The URI of the corresponding 'Group' resource to which the user belongs.",
        )
        .refs(&["User", "Group"])
        .mutability("readOnly"),
        AttrDef::string(
            "display",
            "A human-readable name, primarily used for display purposes.",
        )
        .mutability("readOnly"),
        AttrDef::string(
            "type",
            "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
        )
        .canonical(&["direct", "indirect"])
        .mutability("readOnly"),
    ];
    vec![
        AttrDef::string("id", "A unique identifier for a SCIM resource as defined by the service provider (RFC 7643 §3.1).")
            .case_exact()
            .mutability("readOnly")
            .returned("always")
            .unique("server"),
        AttrDef::string("externalId", "A String that is an identifier for the resource as defined by the provisioning client (RFC 7643 §3.1).")
            .case_exact(),
        AttrDef::string("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value. This identifier MUST be unique across the service provider's entire set of Users.")
            .required()
            .unique("server"),
        AttrDef::string("name", "The components of the user's real name.").complex(name_subs),
        AttrDef::string("displayName", "The name of the User, suitable for display to end-users."),
        AttrDef::string("nickName", "The casual way to address the user in real life."),
        AttrDef::string("profileUrl", "A fully qualified URL pointing to a page representing the User's online profile.").refs(&["external"]),
        AttrDef::string("title", "The user's title, such as 'Vice President'."),
        AttrDef::string("userType", "Used to identify the relationship between the organization and the user (e.g., 'Contractor', 'Employee')."),
        AttrDef::string("preferredLanguage", "Indicates the User's preferred written or spoken language (e.g., 'en-US')."),
        AttrDef::string("locale", "Used to indicate the User's default location for localizing items such as currency and dates (e.g., 'en-US')."),
        AttrDef::string("timezone", "The User's time zone in the 'Olson' time zone database format (e.g., 'America/Los_Angeles')."),
        AttrDef::string("active", "A Boolean value indicating the User's administrative status.").typed("boolean"),
        AttrDef::string("password", "The User's cleartext password, used to set or compare it; never returned.")
            .mutability("writeOnly")
            .returned("never"),
        AttrDef::string("emails", "Email addresses for the user.").multi().complex(multi_subs(
            AttrDef::string("value", "Email address for the user."),
            "A human-readable name, primarily used for display purposes.",
            &["work", "home", "other"],
        )),
        AttrDef::string("phoneNumbers", "Phone numbers for the User.").multi().complex(multi_subs(
            AttrDef::string("value", "Phone number of the User."),
            "A human-readable name, primarily used for display purposes.",
            &["work", "home", "mobile", "fax", "pager", "other"],
        )),
        AttrDef::string("ims", "Instant messaging addresses for the User.").multi().complex(multi_subs(
            AttrDef::string("value", "Instant messaging address for the User."),
            "A human-readable name, primarily used for display purposes.",
            &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
        )),
        AttrDef::string("photos", "URLs of photos of the User.").multi().complex(multi_subs(
            AttrDef::string("value", "URL of a photo of the User.").refs(&["external"]),
            "A human-readable name, primarily used for display purposes.",
            &["photo", "thumbnail"],
        )),
        AttrDef::string("addresses", "A physical mailing address for this User.").multi().complex(address_subs),
        AttrDef::string("groups", "A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.")
            .multi()
            .complex(group_subs)
            .mutability("readOnly"),
        AttrDef::string("entitlements", "A list of entitlements for the User that represent a thing the User has.").multi().complex(multi_subs(
            AttrDef::string("value", "The value of an entitlement."),
            "A human-readable name, primarily used for display purposes.",
            &[],
        )),
        AttrDef::string("roles", "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.").multi().complex(multi_subs(
            AttrDef::string("value", "The value of a role."),
            "A human-readable name, primarily used for display purposes.",
            &[],
        )),
        AttrDef::string("x509Certificates", "A list of certificates issued to the User.").multi().complex(multi_subs(
            AttrDef::string("value", "The value of an X.509 certificate.").typed("binary"),
            "A human-readable name, primarily used for display purposes.",
            &[],
        )),
    ]
}

/// RFC 7643 §4.3 enterprise extension attributes.
pub fn enterprise_attribute_definitions() -> Vec<AttrDef> {
    vec![
        AttrDef::string("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
        AttrDef::string("costCenter", "Identifies the name of a cost center."),
        AttrDef::string("organization", "Identifies the name of an organization."),
        AttrDef::string("division", "Identifies the name of a division."),
        AttrDef::string("department", "Identifies the name of a department."),
        AttrDef::string("manager", "The User's manager. A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.").complex(vec![
            AttrDef::string("value", "The id of the SCIM resource representing the User's manager."),
            AttrDef::string("$ref", "The URI of the SCIM resource representing the User's manager.").refs(&["User"]),
            AttrDef::string("displayName", "The displayName of the User's manager.").mutability("readOnly"),
        ]),
    ]
}

/// True when `path` names a multi-valued attribute of the User schema (the enterprise extension
/// has none). Names compare case-insensitively.
pub fn is_multi_valued(path: &AttrPath) -> bool {
    !path.is_enterprise()
        && user_attribute_definitions()
            .iter()
            .any(|d| d.multi_valued && d.name.eq_ignore_ascii_case(&path.name))
}

/// Which attributes (and which of their sub-attributes) the caller supports, for one schema.
/// `None` for the sub-attribute list means the whole attribute.
fn selection(supported: &[&str], enterprise: bool) -> Vec<(String, Option<Vec<String>>)> {
    let mut out: Vec<(String, Option<Vec<String>>)> = Vec::new();
    for entry in supported {
        // Entries that do not parse are the mapping layer's to report; here they add nothing.
        let Ok(p) = parse_path(entry) else { continue };
        if p.is_enterprise() != enterprise {
            continue;
        }
        if p.urn
            .as_deref()
            .is_some_and(|u| !urn::is_core(u) && !urn::is_enterprise(u))
        {
            continue;
        }
        let idx = match out
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(&p.attr))
        {
            Some(i) => i,
            None => {
                out.push((p.attr.clone(), Some(Vec::new())));
                out.len() - 1
            }
        };
        match (&mut out[idx].1, p.sub_attr) {
            (Some(subs), Some(sub)) => subs.push(sub),
            (slot, None) => *slot = None,
            (None, Some(_)) => {}
        }
    }
    out
}

/// What a connection changes in RFC 7643's characteristics, in the mapping syntax: attributes
/// Salesforce requires (Contact `name.familyName`), and attributes the bridge derives rather
/// than stores (`displayName` from the name, when not mapped).
#[derive(Debug, Default, Clone, Copy)]
pub struct Marks<'a> {
    pub required: &'a [&'a str],
    pub read_only: &'a [&'a str],
}

impl Marks<'_> {
    /// Applies the marks that name `def` (or one of its sub-attributes) in `schema`.
    fn apply(&self, def: &mut AttrDef, enterprise: bool) {
        let names = |list: &[&str]| -> Vec<(String, Option<String>)> {
            list.iter()
                .filter_map(|m| parse_path(m).ok())
                .filter(|p| p.is_enterprise() == enterprise)
                .filter(|p| p.attr.eq_ignore_ascii_case(def.name))
                .map(|p| (p.attr, p.sub_attr))
                .collect()
        };
        for (_, sub) in names(self.required) {
            match sub {
                None => def.required = true,
                Some(s) => {
                    if let Some(x) = def
                        .sub_attributes
                        .iter_mut()
                        .find(|x| x.name.eq_ignore_ascii_case(&s))
                    {
                        x.required = true;
                        // A complex attribute with a required sub-attribute is required too: a
                        // User cannot be created (or kept) without it.
                        def.required = true;
                    }
                }
            }
        }
        if names(self.read_only).iter().any(|(_, sub)| sub.is_none()) {
            def.mutability = "readOnly";
        }
    }
}

fn filter_defs(
    defs: Vec<AttrDef>,
    supported: &[&str],
    enterprise: bool,
    marks: &Marks<'_>,
) -> Vec<AttrDef> {
    let sel = selection(supported, enterprise);
    defs.into_iter()
        .filter_map(|mut def| {
            if !enterprise && def.name == "id" {
                return Some(def);
            }
            let (_, subs) = sel.iter().find(|(n, _)| n.eq_ignore_ascii_case(def.name))?;
            if let (Some(subs), true) = (subs, def.ty == "complex") {
                let keep = |s: &AttrDef| {
                    subs.iter().any(|x| x.eq_ignore_ascii_case(s.name))
                        || (def.multi_valued && (s.name == "type" || s.name == "primary"))
                };
                if !subs.iter().any(|x| def.sub(x).is_some()) {
                    return None;
                }
                def.sub_attributes.retain(keep);
            }
            marks.apply(&mut def, enterprise);
            Some(def)
        })
        .collect()
}

/// The User Schema resource (RFC 7643 §8.7.1), limited to `supported` (without `meta`).
pub fn user_schema(supported: &[&str]) -> Value {
    user_schema_marked(supported, &Marks::default())
}

/// [`user_schema`] with a connection's [`Marks`].
pub fn user_schema_marked(supported: &[&str], marks: &Marks<'_>) -> Value {
    let attrs: Vec<Value> = filter_defs(user_attribute_definitions(), supported, false, marks)
        .iter()
        .map(AttrDef::to_json)
        .collect();
    json!({
        "schemas": [urn::SCHEMA],
        "id": urn::USER_SCHEMA,
        "name": "User",
        "description": "User Account",
        "attributes": attrs,
    })
}

/// The enterprise extension Schema resource (RFC 7643 §8.7.1), or `None` when no enterprise
/// attribute is supported.
pub fn enterprise_user_schema(supported: &[&str]) -> Option<Value> {
    enterprise_user_schema_marked(supported, &Marks::default())
}

/// [`enterprise_user_schema`] with a connection's [`Marks`].
pub fn enterprise_user_schema_marked(supported: &[&str], marks: &Marks<'_>) -> Option<Value> {
    let defs = filter_defs(enterprise_attribute_definitions(), supported, true, marks);
    if defs.is_empty() {
        return None;
    }
    let attrs: Vec<Value> = defs.iter().map(AttrDef::to_json).collect();
    Some(json!({
        "schemas": [urn::SCHEMA],
        "id": urn::ENTERPRISE_USER_SCHEMA,
        "name": "EnterpriseUser",
        "description": "Enterprise User",
        "attributes": attrs,
    }))
}

fn base(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

fn with_meta(mut v: Value, resource_type: &str, location: String) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "meta".into(),
            json!({"resourceType": resource_type, "location": location}),
        );
    }
    v
}

/// The `/Schemas` resources (RFC 7644 §4) of the resource types served, each with
/// `meta.location` under `base_url`; the Group schema lists `externalId` when
/// `group_external_id`.
pub fn schemas(
    base_url: &str,
    served: &[ResourceType],
    supported: &[&str],
    marks: &Marks<'_>,
    group_external_id: bool,
) -> Vec<Value> {
    let mut out = Vec::new();
    if served.contains(&USER) {
        out.push(user_schema_marked(supported, marks));
        out.extend(enterprise_user_schema_marked(supported, marks));
    }
    if served.contains(&GROUP) {
        out.push(super::group::group_schema(group_external_id));
    }
    out.into_iter()
        .map(|s| {
            let id = s["id"].as_str().unwrap_or_default().to_string();
            with_meta(s, "Schema", format!("{}/Schemas/{id}", base(base_url)))
        })
        .collect()
}

/// The `/ResourceTypes` resources (RFC 7643 §6) of the types served; `User` declares the
/// enterprise extension only when one of its attributes is supported.
pub fn resource_types(base_url: &str, served: &[ResourceType], supported: &[&str]) -> Vec<Value> {
    served
        .iter()
        .map(|kind| {
            let mut v = json!({
                "schemas": [urn::RESOURCE_TYPE],
                "id": kind.name,
                "name": kind.name,
                "endpoint": kind.endpoint,
                "description": kind.description,
                "schema": kind.schema,
            });
            if *kind == USER && enterprise_user_schema(supported).is_some() {
                if let Some(obj) = v.as_object_mut() {
                    obj.insert(
                        "schemaExtensions".into(),
                        json!([{"schema": urn::ENTERPRISE_USER_SCHEMA, "required": false}]),
                    );
                }
            }
            with_meta(
                v,
                "ResourceType",
                format!("{}/ResourceTypes/{}", base(base_url), kind.name),
            )
        })
        .collect()
}

/// The ServiceProviderConfig (RFC 7643 §5): OAuth bearer tokens, and HTTP Basic when
/// `http_basic` is true.
pub fn service_provider_config(
    base_url: &str,
    max_results: u64,
    etag: bool,
    http_basic: bool,
) -> Value {
    let mut schemes = vec![json!({
        "type": "oauthbearertoken",
        "name": "OAuth Bearer Token",
        "description": "Authentication scheme using the OAuth Bearer Token Standard",
        "specUri": "https://www.rfc-editor.org/info/rfc6750",
        "primary": true,
    })];
    if http_basic {
        schemes.push(json!({
            "type": "httpbasic",
            "name": "HTTP Basic",
            "description": "Authentication scheme using the HTTP Basic Standard",
            "specUri": "https://www.rfc-editor.org/info/rfc7617",
        }));
    }
    with_meta(
        json!({
            "schemas": [urn::SERVICE_PROVIDER_CONFIG],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": max_results},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": etag},
            "authenticationSchemes": schemes,
        }),
        "ServiceProviderConfig",
        format!("{}/ServiceProviderConfig", base(base_url)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUPPORTED: &[&str] = &[
        "userName",
        "externalId",
        "active",
        "displayName",
        "title",
        "name.givenName",
        "name.familyName",
        r#"emails[type eq "work"].value"#,
        r#"phoneNumbers[type eq "mobile"].value"#,
        r#"addresses[type eq "work"].postalCode"#,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ];

    fn attr<'a>(schema: &'a Value, name: &str) -> Option<&'a Value> {
        schema["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == name))
    }

    fn sub_names(a: &Value) -> Vec<&str> {
        a["subAttributes"]
            .as_array()
            .map(|s| s.iter().filter_map(|x| x["name"].as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_user_schema_lists_only_supported_attributes_plus_id() {
        let s = user_schema(SUPPORTED);
        let names: Vec<&str> = s["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["name"].as_str())
            .collect();
        assert_eq!(
            names,
            vec![
                "id",
                "externalId",
                "userName",
                "name",
                "displayName",
                "title",
                "active",
                "emails",
                "phoneNumbers",
                "addresses"
            ]
        );
        assert_eq!(s["id"], urn::USER_SCHEMA);
        assert_eq!(s["schemas"], json!([urn::SCHEMA]));
    }

    #[test]
    fn complex_attributes_keep_only_supported_sub_attributes_and_multi_valued_add_type_and_primary()
    {
        let s = user_schema(SUPPORTED);
        assert_eq!(
            sub_names(attr(&s, "name").unwrap()),
            vec!["familyName", "givenName"]
        );
        assert_eq!(
            sub_names(attr(&s, "emails").unwrap()),
            vec!["value", "type", "primary"]
        );
        assert_eq!(
            sub_names(attr(&s, "addresses").unwrap()),
            vec!["postalCode", "type", "primary"]
        );
        let emails = attr(&s, "emails").unwrap();
        assert_eq!(emails["multiValued"], true);
        assert_eq!(emails["type"], "complex");
        let ty = &emails["subAttributes"][1];
        assert_eq!(ty["canonicalValues"], json!(["work", "home", "other"]));
    }

    #[test]
    fn attribute_characteristics_follow_rfc_7643() {
        let s = user_schema(&["userName", "password", "active"]);
        let user_name = attr(&s, "userName").unwrap();
        assert_eq!(user_name["required"], true);
        assert_eq!(user_name["uniqueness"], "server");
        assert_eq!(user_name["caseExact"], false);
        let id = attr(&s, "id").unwrap();
        assert_eq!(
            (id["returned"].as_str(), id["mutability"].as_str()),
            (Some("always"), Some("readOnly"))
        );
        let pw = attr(&s, "password").unwrap();
        assert_eq!(
            (pw["returned"].as_str(), pw["mutability"].as_str()),
            (Some("never"), Some("writeOnly"))
        );
        assert_eq!(attr(&s, "active").unwrap()["type"], "boolean");
        assert!(attr(&user_schema(&["userName"]), "password").is_none());
    }

    #[test]
    fn a_whole_complex_attribute_brings_all_its_sub_attributes() {
        let s = user_schema(&["name", "emails"]);
        assert_eq!(sub_names(attr(&s, "name").unwrap()).len(), 6);
        assert_eq!(
            sub_names(attr(&s, "emails").unwrap()),
            vec!["value", "display", "type", "primary"]
        );
    }

    #[test]
    fn supported_names_match_case_insensitively_and_with_the_core_urn() {
        let s = user_schema(&[
            "USERNAME",
            "urn:ietf:params:scim:schemas:core:2.0:User:title",
        ]);
        assert!(attr(&s, "userName").is_some());
        assert!(attr(&s, "title").is_some());
    }

    #[test]
    fn a_connection_marks_what_salesforce_requires_and_what_the_bridge_derives() {
        let marks = Marks {
            required: &[
                "name.familyName",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
            ],
            read_only: &["displayName"],
        };
        let s = user_schema_marked(
            &["name.familyName", "name.givenName", "displayName"],
            &marks,
        );
        let name = attr(&s, "name").unwrap();
        let family = name["subAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "familyName")
            .unwrap();
        assert_eq!(family["required"], json!(true));
        assert_eq!(
            attr(&s, "displayName").unwrap()["mutability"],
            json!("readOnly")
        );
        let e = enterprise_user_schema_marked(
            &["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization"],
            &marks,
        )
        .unwrap();
        assert_eq!(attr(&e, "organization").unwrap()["required"], json!(true));
    }

    #[test]
    fn the_enterprise_schema_appears_only_when_one_of_its_attributes_is_supported() {
        assert!(enterprise_user_schema(&["userName"]).is_none());
        let e = enterprise_user_schema(SUPPORTED).unwrap();
        assert_eq!(e["id"], urn::ENTERPRISE_USER_SCHEMA);
        assert!(attr(&e, "department").is_some());
        assert!(attr(&e, "manager").is_none());
        let m = enterprise_user_schema(&[
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        ])
        .unwrap();
        assert_eq!(
            sub_names(attr(&m, "manager").unwrap()),
            vec!["value", "$ref", "displayName"]
        );
        assert!(
            attr(&user_schema(SUPPORTED), "department").is_none(),
            "no leak into the core schema"
        );
    }

    #[test]
    fn schemas_carry_meta_locations_under_the_base_url() {
        let all = schemas(
            "https://bridge.example.com/scim/v2/",
            &[USER],
            SUPPORTED,
            &Marks::default(),
            false,
        );
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[0]["meta"],
            json!({"resourceType": "Schema", "location": "https://bridge.example.com/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"})
        );
        assert_eq!(all[1]["id"], urn::ENTERPRISE_USER_SCHEMA);
        assert_eq!(
            schemas(
                "https://b",
                &[USER],
                &["userName"],
                &Marks::default(),
                false
            )
            .len(),
            1
        );
        let with_groups = schemas(
            "https://b",
            &[USER, GROUP],
            &["userName"],
            &Marks::default(),
            true,
        );
        assert_eq!(with_groups[1]["id"], urn::GROUP_SCHEMA);
        let names: Vec<&str> = with_groups[1]["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["name"].as_str())
            .collect();
        assert_eq!(names, ["displayName", "externalId", "members"]);
        assert_eq!(
            with_groups[1]["meta"]["location"],
            "https://b/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group"
        );
    }

    #[test]
    fn the_user_resource_type_declares_the_enterprise_extension_only_when_supported() {
        let rt = resource_types("https://b/scim/v2", &[USER], SUPPORTED);
        assert_eq!(rt.len(), 1);
        assert_eq!(rt[0]["endpoint"], "/Users");
        assert_eq!(rt[0]["schema"], urn::USER_SCHEMA);
        assert_eq!(
            rt[0]["schemaExtensions"],
            json!([{"schema": urn::ENTERPRISE_USER_SCHEMA, "required": false}])
        );
        assert_eq!(
            rt[0]["meta"]["location"],
            "https://b/scim/v2/ResourceTypes/User"
        );
        let plain = resource_types("https://b/scim/v2", &[USER], &["userName"]);
        assert!(plain[0].get("schemaExtensions").is_none());
    }

    #[test]
    fn the_service_provider_config_states_what_the_bridge_supports() {
        let c = service_provider_config("https://b/scim/v2/", 100, true, true);
        assert_eq!(c["schemas"], json!([urn::SERVICE_PROVIDER_CONFIG]));
        assert_eq!(c["patch"]["supported"], true);
        assert_eq!(c["bulk"]["supported"], false);
        assert_eq!(c["filter"], json!({"supported": true, "maxResults": 100}));
        assert_eq!(c["changePassword"]["supported"], false);
        assert_eq!(c["sort"]["supported"], false);
        assert_eq!(c["etag"]["supported"], true);
        let types: Vec<&str> = c["authenticationSchemes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["type"].as_str())
            .collect();
        assert_eq!(types, vec!["oauthbearertoken", "httpbasic"]);
        assert_eq!(
            c["meta"]["location"],
            "https://b/scim/v2/ServiceProviderConfig"
        );
        let no_basic = service_provider_config("https://b", 10, false, false);
        assert_eq!(
            no_basic["authenticationSchemes"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(no_basic["etag"]["supported"], false);
    }

    #[test]
    fn multi_valued_attributes_are_known_from_the_definitions() {
        assert!(is_multi_valued(&AttrPath::simple("Emails")));
        assert!(is_multi_valued(&AttrPath::simple("phoneNumbers")));
        assert!(!is_multi_valued(&AttrPath::simple("name")));
        assert!(!is_multi_valued(
            &AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
                .unwrap()
        ));
    }
}
