//! Request plumbing that needs no application state: request ids, HTML
//! escaping, cookies, the language of a request before we know who sent
//! it, and the error page and toast. Nothing here imports `AppState` or the
//! application error type, so every layer (the guard, the error renderer,
//! observability) can use it.

mod cookies;
pub mod error_page;
mod html;
mod locale;
mod redirect;
mod request_id;
mod security_headers;

pub use cookies::{cookie, cookie_header};
pub use html::escape;
pub use locale::request_locale;
pub use redirect::safe_path;
pub use request_id::RequestId;
pub use security_headers::{SecurityHeaders, security_headers};
