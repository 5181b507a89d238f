//! The filter parser: a recursive-descent parser from tokens to the `Expr` tree.
//! `&&` binds tighter than `||`, as in PocketBase (whose flat expression list is turned
//! into SQL `AND`/`OR` and so gets SQL precedence). Length, nesting and expression
//! counts are capped so hostile input cannot exhaust the stack or the CPU.

use super::error::RuleError;
use super::lexer::{SignOperator, Token, TokenKind, tokenize};

/// The longest filter accepted, in characters (PocketBase's `MaxFilterLength`).
pub const MAX_FILTER_LENGTH: usize = 3500;
/// The deepest parenthesis nesting accepted.
pub const MAX_NESTING_DEPTH: usize = 32;
/// The most comparisons one filter may hold (PocketBase's `DefaultFilterExprLimit`).
pub const MAX_EXPRESSIONS: usize = 200;
/// The most arguments a function call may have.
pub const MAX_FUNCTION_ARGUMENTS: usize = 10;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `left operator right`, where `any` marks the `?=` family.
    Compare {
        left: Operand,
        operator: SignOperator,
        any: bool,
        right: Operand,
    },
    /// Every item must hold (`&&`).
    And(Vec<Expr>),
    /// One item must hold (`||`).
    Or(Vec<Expr>),
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A field path, `@` macro or keyword, as written.
    Identifier { name: String, position: usize },
    /// A text literal, already unescaped.
    Text(String),
    /// A number literal as written.
    Number(String),
    /// `name(arg, ...)`.
    Function {
        name: String,
        arguments: Vec<Operand>,
        position: usize,
    },
}

/// Parses a whole filter.
pub fn parse_filter(input: &str) -> Result<Expr, RuleError> {
    let length = input.chars().count();
    if length > MAX_FILTER_LENGTH {
        return Err(RuleError::TooLong {
            limit: MAX_FILTER_LENGTH,
        });
    }
    let tokens = tokenize(input)?;
    let mut parser = Parser {
        tokens,
        index: 0,
        depth: 0,
        expressions: 0,
        end_position: length,
    };
    if parser.tokens.is_empty() {
        return Err(RuleError::Syntax {
            position: 0,
            expected: "an expression".to_string(),
            found: "an empty filter".to_string(),
        });
    }
    let expr = parser.parse_or()?;
    if let Some(token) = parser.peek() {
        return Err(RuleError::Syntax {
            position: token.position,
            expected: "\"&&\", \"||\" or the end of the filter".to_string(),
            found: token.kind.describe(),
        });
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    index: usize,
    depth: usize,
    expressions: usize,
    end_position: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.index)
    }

    fn error_here(&self, expected: &str) -> RuleError {
        match self.peek() {
            Some(token) => RuleError::Syntax {
                position: token.position,
                expected: expected.to_string(),
                found: token.kind.describe(),
            },
            None => RuleError::Syntax {
                position: self.end_position,
                expected: expected.to_string(),
                found: "the end of the filter".to_string(),
            },
        }
    }

    fn parse_or(&mut self) -> Result<Expr, RuleError> {
        let mut items = vec![self.parse_and()?];
        while self.peek().is_some_and(|token| token.kind == TokenKind::Or) {
            self.index += 1;
            items.push(self.parse_and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn parse_and(&mut self) -> Result<Expr, RuleError> {
        let mut items = vec![self.parse_primary()?];
        while self
            .peek()
            .is_some_and(|token| token.kind == TokenKind::And)
        {
            self.index += 1;
            items.push(self.parse_primary()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn parse_primary(&mut self) -> Result<Expr, RuleError> {
        if self
            .peek()
            .is_some_and(|token| token.kind == TokenKind::OpenParen)
        {
            self.index += 1;
            self.depth += 1;
            if self.depth > MAX_NESTING_DEPTH {
                return Err(RuleError::TooDeep {
                    limit: MAX_NESTING_DEPTH,
                });
            }
            let inner = self.parse_or()?;
            if !self
                .peek()
                .is_some_and(|token| token.kind == TokenKind::CloseParen)
            {
                return Err(self.error_here("\")\", \"&&\" or \"||\""));
            }
            self.index += 1;
            self.depth -= 1;
            return Ok(inner);
        }
        let left = self.parse_operand()?;
        let (operator, any) = match self.peek() {
            Some(Token {
                kind: TokenKind::Sign { operator, any },
                ..
            }) => (*operator, *any),
            _ => return Err(self.error_here("a comparison operator")),
        };
        self.index += 1;
        let right = self.parse_operand()?;
        self.expressions += 1;
        if self.expressions > MAX_EXPRESSIONS {
            return Err(RuleError::TooManyExpressions {
                limit: MAX_EXPRESSIONS,
            });
        }
        Ok(Expr::Compare {
            left,
            operator,
            any,
            right,
        })
    }

    fn parse_operand(&mut self) -> Result<Operand, RuleError> {
        let expected = "an identifier, text, number or function call";
        let Some(token) = self.peek().cloned() else {
            return Err(self.error_here(expected));
        };
        match token.kind {
            TokenKind::Identifier(name) => {
                self.index += 1;
                if self
                    .peek()
                    .is_some_and(|next| next.kind == TokenKind::OpenParen)
                {
                    self.index += 1;
                    let arguments = self.parse_arguments()?;
                    return Ok(Operand::Function {
                        name,
                        arguments,
                        position: token.position,
                    });
                }
                Ok(Operand::Identifier {
                    name,
                    position: token.position,
                })
            }
            TokenKind::Text(text) => {
                self.index += 1;
                Ok(Operand::Text(text))
            }
            TokenKind::Number(number) => {
                self.index += 1;
                Ok(Operand::Number(number))
            }
            _ => Err(self.error_here(expected)),
        }
    }

    /// The arguments of a call, after its `(`; consumes the closing `)`.
    fn parse_arguments(&mut self) -> Result<Vec<Operand>, RuleError> {
        let mut arguments = Vec::new();
        if self
            .peek()
            .is_some_and(|token| token.kind == TokenKind::CloseParen)
        {
            self.index += 1;
            return Ok(arguments);
        }
        loop {
            let argument = match self.peek().map(|token| token.kind.clone()) {
                Some(TokenKind::Identifier(name)) => Operand::Identifier {
                    name,
                    position: self.peek().map_or(0, |token| token.position),
                },
                Some(TokenKind::Text(text)) => Operand::Text(text),
                Some(TokenKind::Number(number)) => Operand::Number(number),
                _ => return Err(self.error_here("a function argument")),
            };
            self.index += 1;
            arguments.push(argument);
            if arguments.len() > MAX_FUNCTION_ARGUMENTS {
                return Err(RuleError::InvalidExpression {
                    message: format!(
                        "too many function arguments (at most {MAX_FUNCTION_ARGUMENTS})"
                    ),
                });
            }
            match self.peek().map(|token| token.kind.clone()) {
                Some(TokenKind::Comma) => self.index += 1,
                Some(TokenKind::CloseParen) => {
                    self.index += 1;
                    return Ok(arguments);
                }
                _ => return Err(self.error_here("\",\" or \")\"")),
            }
        }
    }
}
