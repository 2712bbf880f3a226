//! The route registry. Each feature's `routes()` registers every route with
//! its access rule: pages and other non-API routes with [`Registry::add`],
//! API routes with [`Registry::api`] and the handler's `#[utoipa::path]`
//! annotation (`routes!(handler)`), which is then the one place that states
//! the API route's method, path and description. From the registry come the
//! router, the access table the guard consults, the API description's
//! paths, and the route list the tests walk.

use axum::{
    Router,
    handler::Handler,
    http::Method,
    routing::{MethodFilter, on},
};
use utoipa::openapi::{
    OpenApi, RefOr,
    path::{HttpMethod, Paths},
    schema::Schema,
};
use utoipa_axum::router::UtoipaMethodRouter;

use crate::auth::policy::{Access, AccessTable};

pub struct Registry<S> {
    router: Router<S>,
    access: AccessTable,
    routes: Vec<(Method, String)>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

/// What the registry knows once every feature has registered.
pub struct RouteTable {
    pub access: AccessTable,
    /// Every (method, route template), in registration order.
    pub routes: Vec<(Method, String)>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl<S: Clone + Send + Sync + 'static> Default for Registry<S> {
    fn default() -> Self {
        Self {
            router: Router::new(),
            access: AccessTable::default(),
            routes: Vec::new(),
            paths: Paths::new(),
            schemas: Vec::new(),
        }
    }
}

fn method_of(m: &HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Post => Method::POST,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

impl<S: Clone + Send + Sync + 'static> Registry<S> {
    /// A page, form action, asset or operations route. API routes
    /// (`/api/v1/…`) must be registered with [`Registry::api`] so that they
    /// are described.
    #[must_use]
    pub fn add<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        assert!(
            !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json",
            "{method} {path}: register API routes with Routes::api and a #[utoipa::path]"
        );
        let filter = MethodFilter::try_from(method.clone()).expect("a routable method");
        self.router = self.router.route(path, on(filter, handler));
        self.access.insert(method.clone(), path, access);
        self.routes.push((method, path.to_owned()));
        self
    }

    /// An API route described by its handler's `#[utoipa::path]`:
    /// `r.api(OFFICE, routes!(api::list))`.
    #[must_use]
    pub fn api(
        mut self,
        access: Access,
        (schemas, paths, method_router): UtoipaMethodRouter<S>,
    ) -> Self {
        for (path, item) in &paths.paths {
            for method in item_methods(item) {
                self.access.insert(method.clone(), path, access);
                self.routes.push((method, path.clone()));
            }
            self.router = self.router.route(path, method_router.clone());
        }
        self.paths.merge(paths);
        for (name, schema) in schemas {
            // Two types with one schema name would describe one of them wrongly.
            if let Some((_, known)) = self.schemas.iter().find(|(n, _)| *n == name) {
                assert!(*known == schema, "two different schemas are named {name}");
                continue;
            }
            self.schemas.push((name, schema));
        }
        self
    }

    /// The router and what the registry learnt.
    pub fn finish(self) -> (Router<S>, RouteTable) {
        (
            self.router,
            RouteTable {
                access: self.access,
                routes: self.routes,
                paths: self.paths,
                schemas: self.schemas,
            },
        )
    }
}

/// The HTTP methods a path item describes.
fn item_methods(item: &utoipa::openapi::PathItem) -> Vec<Method> {
    let ops = [
        (HttpMethod::Get, item.get.is_some()),
        (HttpMethod::Put, item.put.is_some()),
        (HttpMethod::Post, item.post.is_some()),
        (HttpMethod::Delete, item.delete.is_some()),
        (HttpMethod::Options, item.options.is_some()),
        (HttpMethod::Head, item.head.is_some()),
        (HttpMethod::Patch, item.patch.is_some()),
        (HttpMethod::Trace, item.trace.is_some()),
    ];
    ops.iter()
        .filter(|(_, present)| *present)
        .map(|(m, _)| method_of(m))
        .collect()
}

impl RouteTable {
    /// The API description: `base` (title, tags, security, shared schemas)
    /// with every registered API route and the schemas they use.
    pub fn describe(&self, mut base: OpenApi) -> OpenApi {
        base.paths.merge(self.paths.clone());
        let components = base.components.get_or_insert_with(Default::default);
        for (name, schema) in &self.schemas {
            components
                .schemas
                .entry(name.clone())
                .or_insert_with(|| schema.clone());
        }
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::policy::{OFFICE, PUBLIC};

    async fn ok() -> &'static str {
        "ok"
    }

    #[test]
    fn a_route_is_registered_with_its_rule() {
        let (_, table) = Registry::<()>::default()
            .add(Method::GET, "/a", PUBLIC, ok)
            .add(Method::POST, "/a", OFFICE, ok)
            .finish();
        assert_eq!(table.access.lookup(&Method::GET, "/a"), Some(PUBLIC));
        assert_eq!(table.access.lookup(&Method::POST, "/a"), Some(OFFICE));
        assert_eq!(table.access.methods("/a"), vec![Method::GET, Method::POST]);
        assert_eq!(table.routes.len(), 2);
    }

    #[test]
    #[should_panic(expected = "register API routes with Routes::api")]
    fn an_api_route_cannot_be_added_without_its_description() {
        let _ = Registry::<()>::default().add(Method::GET, "/api/v1/things", OFFICE, ok);
    }
}
