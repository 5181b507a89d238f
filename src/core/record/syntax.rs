//! Syntax checks of email addresses and URLs, modeled on the govalidator rules that
//! PocketBase's `is.EmailFormat` and `is.URL` use. Hand-written, so they are close to
//! but not byte-for-byte the same as PocketBase's regular expressions.

/// Whether `email` is a syntactically valid address (`local@domain.tld`).
pub(crate) fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    is_email_local(local) && is_email_domain(domain)
}

fn is_wide(character: char) -> bool {
    matches!(character, '\u{00A0}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFEF}')
}

fn is_email_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom.chars().all(|character| {
                    character.is_ascii_alphanumeric()
                        || "!#$%&'*+-/=?^_`{|}~".contains(character)
                        || is_wide(character)
                })
        })
}

fn is_email_domain(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if domain.is_empty() || domain.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let edge = |character: char| character.is_ascii_alphanumeric() || is_wide(character);
    let inner = |character: char| edge(character) || character == '-' || character == '~';
    let (tld, rest) = labels.split_last().unwrap_or((&"", &[]));
    let tld_edge = |character: char| character.is_ascii_alphabetic() || is_wide(character);
    rest.iter()
        .all(|label| label.starts_with(edge) && label.ends_with(edge) && label.chars().all(inner))
        && tld.starts_with(tld_edge)
        && tld.ends_with(tld_edge)
        && tld.chars().all(inner)
}

/// Whether `url` is a valid URL in govalidator's loose sense: the scheme is optional
/// (`example.com` is valid) but, when present, one of http(s), ws(s), ftp, tcp, udp.
pub(crate) fn is_url(url: &str) -> bool {
    if url.len() <= 3
        || url.chars().count() >= 2083
        || url.starts_with('.')
        || url.chars().any(char::is_whitespace)
    {
        return false;
    }
    let rest = match url.split_once("://") {
        Some((scheme, rest)) => {
            if !matches!(
                scheme,
                "http" | "https" | "ws" | "wss" | "ftp" | "tcp" | "udp"
            ) {
                return false;
            }
            rest
        }
        None => url,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_port = match authority.rsplit_once('@') {
        Some((user, host)) => {
            if user.is_empty() {
                return false;
            }
            host
        }
        None => authority,
    };
    let host = if host_port.starts_with('[') {
        match host_port.split_once(']') {
            Some((inner, port)) => {
                if !port.is_empty() && !is_port(port) {
                    return false;
                }
                return inner[1..].parse::<std::net::Ipv6Addr>().is_ok();
            }
            None => return false,
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => {
                if !is_port(&format!(":{port}")) {
                    return false;
                }
                host
            }
            None => host_port,
        }
    };
    is_url_host(host)
}

/// Extracts the host (with port, as Go's `url.URL.Host`) used by onlyDomains/exceptDomains.
pub(crate) fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
}

fn is_port(port: &str) -> bool {
    let digits = &port[1..];
    port.starts_with(':')
        && (1..=5).contains(&digits.len())
        && digits.bytes().all(|byte| byte.is_ascii_digit())
}

fn is_url_host(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return false;
    }
    if host
        .bytes()
        .all(|byte| byte.is_ascii_digit() || byte == b'.')
    {
        return host.parse::<std::net::Ipv4Addr>().is_ok();
    }
    let labels: Vec<&str> = host.split('.').collect();
    let allowed = |character: char| {
        character.is_ascii_alphanumeric()
            || character == '-'
            || character == '_'
            || character >= '\u{00A1}'
    };
    if !labels.iter().all(|label| {
        !label.is_empty()
            && label.chars().all(allowed)
            && !label.starts_with('-')
            && !label.ends_with('-')
    }) {
        return false;
    }
    // A top-level domain, when there is one, is made of letters only.
    match labels.split_last() {
        Some((tld, rest)) if !rest.is_empty() => tld
            .chars()
            .all(|character| character.is_ascii_alphabetic() || character >= '\u{00A1}'),
        _ => true,
    }
}
