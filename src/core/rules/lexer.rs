//! The filter lexer: turns a filter string into tokens with their character positions,
//! following the grammar of PocketBase's `fexpr` library.

use super::error::RuleError;

/// A comparison operator, with its "any of" (`?`) flag kept separate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOperator {
    Equal,
    NotEqual,
    Like,
    NotLike,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl SignOperator {
    pub fn as_str(self) -> &'static str {
        match self {
            SignOperator::Equal => "=",
            SignOperator::NotEqual => "!=",
            SignOperator::Like => "~",
            SignOperator::NotLike => "!~",
            SignOperator::Less => "<",
            SignOperator::LessOrEqual => "<=",
            SignOperator::Greater => ">",
            SignOperator::GreaterOrEqual => ">=",
        }
    }
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenKind {
    /// A field path, macro or keyword (`title`, `author.name`, `@request.auth.id`, `null`).
    Identifier(String),
    /// A quoted text literal, unescaped.
    Text(String),
    /// A number literal as written (`12`, `-1.5`).
    Number(String),
    /// A comparison operator; `any` is true for the `?=` family.
    Sign {
        operator: SignOperator,
        any: bool,
    },
    And,
    Or,
    OpenParen,
    CloseParen,
    Comma,
}

impl TokenKind {
    /// A short description for error messages.
    pub(super) fn describe(&self) -> String {
        match self {
            TokenKind::Identifier(name) => format!("identifier {name:?}"),
            TokenKind::Text(_) => "text literal".to_string(),
            TokenKind::Number(number) => format!("number {number}"),
            TokenKind::Sign { operator, any } => {
                format!(
                    "operator {}{}",
                    if *any { "?" } else { "" },
                    operator.as_str()
                )
            }
            TokenKind::And => "\"&&\"".to_string(),
            TokenKind::Or => "\"||\"".to_string(),
            TokenKind::OpenParen => "\"(\"".to_string(),
            TokenKind::CloseParen => "\")\"".to_string(),
            TokenKind::Comma => "\",\"".to_string(),
        }
    }
}

/// One token and the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) position: usize,
}

fn is_identifier_start(character: char) -> bool {
    character.is_alphabetic() || character == '_' || character == '@' || character == '#'
}

fn is_identifier_part(character: char) -> bool {
    character.is_alphanumeric() || matches!(character, '_' | '@' | '#' | '.' | ':')
}

/// Splits `input` into tokens; comments (`// ...` to the end of the line) and whitespace
/// are dropped.
pub(super) fn tokenize(input: &str) -> Result<Vec<Token>, RuleError> {
    let characters: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        let character = characters[index];
        let start = index;
        let next = characters.get(index + 1).copied();
        if character.is_whitespace() {
            index += 1;
            continue;
        }
        if character == '/' && next == Some('/') {
            while index < characters.len() && characters[index] != '\n' {
                index += 1;
            }
            continue;
        }
        let kind = if is_identifier_start(character) {
            while index < characters.len() && is_identifier_part(characters[index]) {
                index += 1;
            }
            TokenKind::Identifier(characters[start..index].iter().collect())
        } else if character.is_ascii_digit()
            || (character == '-' && next.is_some_and(|c| c.is_ascii_digit()))
        {
            index += 1;
            let mut seen_dot = false;
            while index < characters.len() {
                let current = characters[index];
                if current.is_ascii_digit() {
                    index += 1;
                } else if current == '.'
                    && !seen_dot
                    && characters
                        .get(index + 1)
                        .is_some_and(|c| c.is_ascii_digit())
                {
                    seen_dot = true;
                    index += 1;
                } else {
                    break;
                }
            }
            if index < characters.len() && is_identifier_part(characters[index]) {
                return Err(RuleError::Syntax {
                    position: index,
                    expected: "an operator or the end of the number".to_string(),
                    found: format!("{:?}", characters[index]),
                });
            }
            TokenKind::Number(characters[start..index].iter().collect())
        } else if character == '"' || character == '\'' {
            index += 1;
            let mut text = String::new();
            let mut closed = false;
            while index < characters.len() {
                let current = characters[index];
                if current == '\\' {
                    // PocketBase unescapes `\\`, `\"`, `\'`, `\n`, `\t` and `\r` (the SDKs
                    // quote values with JSON.stringify); any other backslash stays, so LIKE
                    // escapes such as `\%` survive.
                    let unescaped = match characters.get(index + 1) {
                        Some('\\') => Some('\\'),
                        Some('"') => Some('"'),
                        Some('\'') => Some('\''),
                        Some('n') => Some('\n'),
                        Some('t') => Some('\t'),
                        Some('r') => Some('\r'),
                        _ => None,
                    };
                    if let Some(unescaped) = unescaped {
                        text.push(unescaped);
                        index += 2;
                        continue;
                    }
                }
                if current == character {
                    closed = true;
                    index += 1;
                    break;
                }
                text.push(current);
                index += 1;
            }
            if !closed {
                return Err(RuleError::Syntax {
                    position: start,
                    expected: format!("a closing {character} for the text literal"),
                    found: "the end of the filter".to_string(),
                });
            }
            TokenKind::Text(text)
        } else {
            index += 1;
            match (character, next) {
                ('&', Some('&')) => {
                    index += 1;
                    TokenKind::And
                }
                ('|', Some('|')) => {
                    index += 1;
                    TokenKind::Or
                }
                ('(', _) => TokenKind::OpenParen,
                (')', _) => TokenKind::CloseParen,
                (',', _) => TokenKind::Comma,
                ('?', _) => {
                    let (operator, length) =
                        sign_at(&characters, index).ok_or_else(|| RuleError::Syntax {
                            position: start,
                            expected: "an operator after \"?\"".to_string(),
                            found: describe_char(characters.get(index).copied()),
                        })?;
                    index += length;
                    TokenKind::Sign {
                        operator,
                        any: true,
                    }
                }
                _ => match sign_at(&characters, start) {
                    Some((operator, length)) => {
                        index = start + length;
                        TokenKind::Sign {
                            operator,
                            any: false,
                        }
                    }
                    None => {
                        return Err(RuleError::Syntax {
                            position: start,
                            expected: "an identifier, literal, operator or parenthesis".to_string(),
                            found: describe_char(Some(character)),
                        });
                    }
                },
            }
        };
        tokens.push(Token {
            kind,
            position: start,
        });
    }
    Ok(tokens)
}

fn describe_char(character: Option<char>) -> String {
    match character {
        Some(character) => format!("{character:?}"),
        None => "the end of the filter".to_string(),
    }
}

/// The comparison operator starting at `index`, with its length in characters.
fn sign_at(characters: &[char], index: usize) -> Option<(SignOperator, usize)> {
    let first = *characters.get(index)?;
    let second = characters.get(index + 1).copied();
    Some(match (first, second) {
        ('!', Some('=')) => (SignOperator::NotEqual, 2),
        ('!', Some('~')) => (SignOperator::NotLike, 2),
        ('>', Some('=')) => (SignOperator::GreaterOrEqual, 2),
        ('<', Some('=')) => (SignOperator::LessOrEqual, 2),
        ('=', _) => (SignOperator::Equal, 1),
        ('~', _) => (SignOperator::Like, 1),
        ('>', _) => (SignOperator::Greater, 1),
        ('<', _) => (SignOperator::Less, 1),
        _ => return None,
    })
}
