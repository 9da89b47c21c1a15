//! The route table: every path the bridge serves, with its methods and handlers, in one place.
//! The router is built from it (a method the table does not list answers 405 with `Allow`), and
//! the OpenAPI test compares it with `openapi/scim-bridge.yaml`. A new route is one entry here.

use actix_web::http::Method;
use actix_web::{web, Route as ActixRoute};

use super::{admin, discovery, groups, oauth, operate, page, users};

/// Completes a method's route with its handler.
pub type Handler = fn(ActixRoute) -> ActixRoute;

/// One served path.
pub struct Route {
    /// The path as actix (and OpenAPI) write it: `/scim/v2/{connection}/Users/{id}`.
    pub path: &'static str,
    pub methods: &'static [(Method, Handler)],
}

impl Route {
    /// `GET, PUT`: the `Allow` header of a 405 (RFC 9110 §15.5.6).
    pub fn allow(&self) -> String {
        self.methods
            .iter()
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every route, in matching order (`/Users/.search` before `/Users/{id}`).
pub static ROUTES: &[Route] = &[
    Route {
        path: "/healthz",
        methods: &[(Method::GET, |r| r.to(super::healthz))],
    },
    Route {
        path: "/readyz",
        methods: &[(Method::GET, |r| r.to(operate::readyz))],
    },
    Route {
        path: "/metrics",
        methods: &[(Method::GET, |r| r.to(operate::metrics))],
    },
    Route {
        path: "/oauth/token",
        methods: &[(Method::POST, |r| r.to(oauth::token))],
    },
    Route {
        path: "/admin",
        methods: &[(Method::GET, |r| r.to(page::index))],
    },
    Route {
        path: "/admin/login",
        methods: &[(Method::POST, |r| r.to(page::login))],
    },
    Route {
        path: "/admin/connections/{name}/check",
        methods: &[(Method::POST, |r| r.to(page::check))],
    },
    Route {
        path: "/admin/connections/{name}/test",
        methods: &[(Method::POST, |r| r.to(admin::test_connection))],
    },
    Route {
        path: "/admin/connections/{name}/status",
        methods: &[(Method::GET, |r| r.to(operate::status))],
    },
    Route {
        path: "/admin/connections/{name}/removals",
        methods: &[(Method::GET, |r| r.to(admin::removals))],
    },
    Route {
        path: "/admin/connections/{name}/removals/release",
        methods: &[(Method::POST, |r| r.to(admin::release_removals))],
    },
    Route {
        path: "/admin/connections/{name}/removals/discard",
        methods: &[(Method::POST, |r| r.to(admin::discard_removals))],
    },
    Route {
        // RFC 7644 §3.4.3: a search at the root covers every resource type served.
        path: "/scim/v2/{connection}/.search",
        methods: &[(Method::POST, |r| r.to(users::search_all))],
    },
    Route {
        path: "/scim/v2/{connection}/Users/.search",
        methods: &[(Method::POST, |r| r.to(users::search))],
    },
    Route {
        path: "/scim/v2/{connection}/Users",
        methods: &[
            (Method::GET, |r| r.to(users::list)),
            (Method::POST, |r| r.to(users::create)),
        ],
    },
    Route {
        path: "/scim/v2/{connection}/Users/{id}",
        methods: &[
            (Method::GET, |r| r.to(users::get)),
            (Method::PUT, |r| r.to(users::replace)),
            (Method::PATCH, |r| r.to(users::patch)),
            (Method::DELETE, |r| r.to(users::delete)),
        ],
    },
    Route {
        path: "/scim/v2/{connection}/Groups/.search",
        methods: &[(Method::POST, |r| r.to(groups::search))],
    },
    Route {
        path: "/scim/v2/{connection}/Groups",
        methods: &[
            (Method::GET, |r| r.to(groups::list)),
            (Method::POST, |r| r.to(groups::create)),
        ],
    },
    Route {
        path: "/scim/v2/{connection}/Groups/{id}",
        methods: &[
            (Method::GET, |r| r.to(groups::get)),
            (Method::PUT, |r| r.to(groups::replace)),
            (Method::PATCH, |r| r.to(groups::patch)),
            (Method::DELETE, |r| r.to(groups::delete)),
        ],
    },
    Route {
        path: "/scim/v2/{connection}/ServiceProviderConfig",
        methods: &[(Method::GET, |r| r.to(discovery::service_provider_config))],
    },
    Route {
        // The path Microsoft's SCIM reference server (and its Entra test collection) use for the
        // same document: served too, so that collection can check it.
        path: "/scim/v2/{connection}/serviceConfiguration",
        methods: &[(Method::GET, |r| r.to(discovery::service_provider_config))],
    },
    Route {
        path: "/scim/v2/{connection}/ResourceTypes",
        methods: &[(Method::GET, |r| r.to(discovery::resource_types))],
    },
    Route {
        path: "/scim/v2/{connection}/ResourceTypes/{id}",
        methods: &[(Method::GET, |r| r.to(discovery::resource_type))],
    },
    Route {
        path: "/scim/v2/{connection}/Schemas",
        methods: &[(Method::GET, |r| r.to(discovery::schemas))],
    },
    Route {
        path: "/scim/v2/{connection}/Schemas/{id}",
        methods: &[(Method::GET, |r| r.to(discovery::schema))],
    },
];

/// Registers [`ROUTES`]; unknown paths answer a SCIM 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for route in ROUTES {
        let mut resource = web::resource(route.path);
        for (method, handler) in route.methods {
            resource = resource.route(handler(web::route().method(method.clone())));
        }
        cfg.service(resource.default_service(super::method_not_allowed(route.allow())));
    }
    cfg.default_service(web::to(super::error::not_found));
}
