//! Parsing user input into valid account data; every field error at once.

use crate::{auth::Role, auth::password, error::FieldError};

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

pub fn parse_username(raw: &str) -> Result<String, FieldError> {
    let u = raw.trim().to_lowercase();
    if u.is_empty() {
        return Err(FieldError::text(
            "username",
            "請填寫「帳號」",
            "User name is required",
        ));
    }
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !(3..=32).contains(&u.len()) || !ok_chars {
        return Err(FieldError::text(
            "username",
            "「帳號」須為 3 到 32 個英文字母、數字或 _ . -",
            "User name must be 3 to 32 letters, digits or _ . -",
        ));
    }
    Ok(u)
}

pub fn parse_display_name(raw: &str) -> Result<String, FieldError> {
    let n = raw.trim();
    if n.is_empty() {
        return Err(FieldError::text(
            "display_name",
            "請填寫「姓名」",
            "Name is required",
        ));
    }
    if n.chars().count() > 50 {
        return Err(FieldError::text(
            "display_name",
            "「姓名」最多 50 個字",
            "Name must be at most 50 characters",
        ));
    }
    Ok(n.to_owned())
}

pub fn parse_role(raw: &str) -> Result<Role, FieldError> {
    Role::parse(raw).ok_or_else(|| {
        FieldError::text(
            "role",
            "「角色」不正確，請從清單中選擇",
            "Role is not valid; choose one from the list",
        )
    })
}

pub fn parse_password(raw: &str) -> Result<String, FieldError> {
    password::check_strength(raw)
        .map(|()| raw.to_owned())
        .map_err(|message| FieldError::new("password", message))
}

pub fn parse_new_user(
    username: &str,
    display_name: &str,
    role: &str,
    password: &str,
) -> Result<NewUser, Vec<FieldError>> {
    let (u, n, r, p) = (
        parse_username(username),
        parse_display_name(display_name),
        parse_role(role),
        parse_password(password),
    );
    match (u, n, r, p) {
        (Ok(username), Ok(display_name), Ok(role), Ok(password)) => Ok(NewUser {
            username,
            display_name,
            role,
            password,
        }),
        (u, n, r, p) => Err([u.err(), n.err(), r.err(), p.err()]
            .into_iter()
            .flatten()
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let errs = parse_new_user("a", "", "root", "123").err().unwrap();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "display_name", "role", "password"]);
    }

    #[test]
    fn user_names_are_trimmed_and_lowercased() {
        let u = parse_new_user(" Amy.Lin ", "林小美", "office_staff", "longenough")
            .ok()
            .unwrap();
        assert_eq!(u.username, "amy.lin");
        assert_eq!(u.role, Role::OfficeStaff);
    }
}
