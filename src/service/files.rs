//! Files: uploads accepted into file fields (size and type checked, safe generated
//! names), stored with the record, served back with thumbnails for images, and protected
//! files behind short-lived file tokens.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::tokens::{TokenExtras, TokenKind, new_token};
use super::{App, Auth, RequestContext, ServiceError, ServiceResult};
use crate::core::collection::{Collection, FieldKind};
use crate::core::error::{ErrorCode, FieldError, FieldErrors};
use crate::core::record::random_string;
use crate::core::rules::{self, CompileContext};
use crate::store::files::FileStore;
use crate::store::records as rows;

/// PocketBase's upload limit for file fields without `maxSize`.
pub const DEFAULT_MAX_FILE_SIZE: i64 = 5 << 20;
/// Image types that get thumbnails.
const THUMB_TYPES: [&str; 5] = [
    "image/png",
    "image/jpg",
    "image/jpeg",
    "image/gif",
    "image/webp",
];
/// Content types served inline; everything else is an attachment.
const INLINE_TYPES: [&str; 26] = [
    "image/png",
    "image/jpg",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/x-icon",
    "image/bmp",
    "video/webm",
    "video/mp4",
    "video/3gpp",
    "video/quicktime",
    "video/x-ms-wmv",
    "audio/basic",
    "audio/aiff",
    "audio/mpeg",
    "audio/midi",
    "audio/mp3",
    "audio/wave",
    "audio/wav",
    "audio/x-wav",
    "audio/x-mpeg",
    "audio/x-m4a",
    "audio/aac",
    "application/pdf",
    "application/x-pdf",
    "text/plain",
];

/// One uploaded file of a multipart request.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form key it came with: `docs`, `docs+` or `+docs`.
    pub key: String,
    pub original_name: String,
    pub bytes: Vec<u8>,
}

/// Uploads accepted for one request: what `prepare` needs and what to write to disk.
#[derive(Debug, Default)]
pub struct AcceptedUploads {
    /// Form key -> generated names, for `PrepareOptions::uploaded_files`.
    pub names: Vec<(String, Vec<String>)>,
    /// Generated name -> content.
    pub files: Vec<(String, Vec<u8>)>,
}

/// A file ready to be served.
#[derive(Debug)]
pub struct ServedFile {
    pub path: PathBuf,
    pub content_type: String,
    pub name: String,
    pub inline: bool,
}

/// Stored files to remove once a write has committed (or failed).
#[derive(Debug, Clone)]
pub(crate) enum Cleanup {
    File {
        collection_id: String,
        record_id: String,
        name: String,
    },
    Record {
        collection_id: String,
        record_id: String,
    },
    Collection {
        collection_id: String,
    },
}

/// The storage folders of the records these changes deleted.
pub(crate) fn deleted_records(changes: &[super::events::Change]) -> Vec<Cleanup> {
    changes
        .iter()
        .filter(|change| change.action == super::events::RecordAction::Delete)
        .map(|change| Cleanup::Record {
            collection_id: change.collection.id.clone(),
            record_id: change
                .record
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
        .collect()
}

/// The content type of a file: sniffed from its bytes, else guessed from its name.
pub fn content_type(bytes: &[u8], name: &str) -> String {
    let extension = name.rsplit('.').next().unwrap_or_default().to_lowercase();
    match extension.as_str() {
        "svg" => return "image/svg+xml".into(),
        "css" => return "text/css".into(),
        "js" | "mjs" => return "text/javascript".into(),
        _ => {}
    }
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_string();
    }
    if std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) {
        return "text/plain".into();
    }
    mime_guess::from_path(name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_string()
}

/// PocketBase's stored name: the snake-cased original name, `_`, 10 random characters,
/// and the cleaned extension (`cover image.PNG` -> `cover_image_a1b2c3d4e5.png`).
pub fn stored_name(original: &str, bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let original: String = original
        .chars()
        .rev()
        .take(300)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let base_name = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let (stem, extension) = split_extension(base_name);
    let mut extension: String = extension
        .chars()
        .filter(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '*' | '-' | '+' | '=' | '#' | '_')
        })
        .collect::<String>()
        .trim_matches('.')
        .to_lowercase();
    if extension.is_empty() {
        extension = infer::get(bytes)
            .map(|kind| kind.extension().to_string())
            .unwrap_or_default();
    }
    if extension.len() > 20 {
        extension = extension[extension.len() - 20..]
            .trim_matches('.')
            .to_string();
    }
    let mut clean = snake_case(stem.trim_matches('.'));
    if clean.len() < 3 {
        clean.push_str(&random_string(ALPHABET, 10));
    } else if clean.len() > 100 {
        let mut end = 100;
        while !clean.is_char_boundary(end) {
            end -= 1;
        }
        clean.truncate(end);
    }
    let suffix = random_string(ALPHABET, 10);
    if extension.is_empty() {
        format!("{clean}_{suffix}")
    } else {
        format!("{clean}_{suffix}.{extension}")
    }
}

fn split_extension(name: &str) -> (&str, &str) {
    let Some(primary) = name.rfind('.') else {
        return (name, "");
    };
    // Double extensions such as `.tar.gz` stay together.
    match name[..primary].rfind('.') {
        Some(secondary) => (&name[..secondary], &name[secondary..]),
        None => (&name[..primary], &name[primary..]),
    }
}

fn snake_case(text: &str) -> String {
    let mut result = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !result.is_empty() {
            result.push('_');
        }
        let mut previous_upper = true;
        for c in word.chars() {
            if c.is_uppercase() && !previous_upper {
                result.push('_');
            }
            previous_upper = c.is_uppercase();
            result.extend(c.to_lowercase());
        }
    }
    result
}

fn file_error(code: ErrorCode, message: String, params: Value) -> FieldError {
    FieldError {
        code: code.as_str(),
        message,
        params: Some(params),
    }
}

impl App {
    /// The storage folder of this node.
    pub fn file_store(&self) -> FileStore {
        FileStore::new(self.config.data_dir.storage())
    }

    /// Removes stored files off the async workers; failures are logged, not returned,
    /// because the write they follow has already happened.
    pub(crate) async fn remove_files(&self, targets: Vec<Cleanup>) {
        if targets.is_empty() {
            return;
        }
        let files = self.file_store();
        let _ = tokio::task::spawn_blocking(move || {
            for target in targets {
                let result = match &target {
                    Cleanup::File {
                        collection_id,
                        record_id,
                        name,
                    } => files.delete(collection_id, record_id, name),
                    Cleanup::Record {
                        collection_id,
                        record_id,
                    } => files.delete_record(collection_id, record_id),
                    Cleanup::Collection { collection_id } => files.delete_collection(collection_id),
                };
                if let Err(error) = result {
                    tracing::warn!(%error, ?target, "could not delete stored files");
                }
            }
        })
        .await;
    }

    /// Checks uploads against their file fields (key, size, MIME type) and names them.
    pub fn accept_uploads(
        &self,
        collection: &Collection,
        uploads: Vec<Upload>,
    ) -> Result<AcceptedUploads, FieldErrors> {
        let mut accepted = AcceptedUploads::default();
        let mut errors = FieldErrors::new();
        for upload in uploads {
            let field_name = upload
                .key
                .trim_start_matches('+')
                .trim_end_matches(['+', '-']);
            let Some(field) = collection.field(field_name) else {
                continue;
            };
            let FieldKind::File {
                max_size,
                mime_types,
                ..
            } = &field.kind
            else {
                continue;
            };
            let limit = if *max_size > 0 {
                *max_size
            } else {
                DEFAULT_MAX_FILE_SIZE
            };
            let shown: String = upload.original_name.chars().take(300).collect();
            if upload.bytes.len() as i64 > limit {
                errors.insert(
                    field.name.clone(),
                    file_error(
                        ErrorCode::InvalidFile,
                        format!("Failed to upload {shown} - the maximum allowed file size is {limit} bytes."),
                        json!({"file": shown, "maxSize": limit}),
                    ),
                );
                continue;
            }
            if !mime_types.is_empty() {
                let detected = content_type(&upload.bytes, &upload.original_name);
                if !mime_types
                    .iter()
                    .any(|allowed| allowed.eq_ignore_ascii_case(&detected))
                {
                    errors.insert(
                        field.name.clone(),
                        file_error(
                            ErrorCode::InvalidFile,
                            format!("Failed to upload {shown:?} due to unsupported file type."),
                            json!({"file": shown}),
                        ),
                    );
                    continue;
                }
            }
            let name = stored_name(&upload.original_name, &upload.bytes);
            match accepted
                .names
                .iter_mut()
                .find(|(key, _)| *key == upload.key)
            {
                Some((_, names)) => names.push(name.clone()),
                None => accepted
                    .names
                    .push((upload.key.clone(), vec![name.clone()])),
            }
            accepted.files.push((name, upload.bytes));
        }
        errors.into_result().map(|()| accepted)
    }

    /// `POST /api/files/token`: a short-lived token for protected files.
    pub fn file_token(&self, ctx: &RequestContext) -> ServiceResult<String> {
        let Auth::Record { collection, record } = &ctx.auth else {
            return Err(ServiceError::Unauthorized);
        };
        new_token(collection, record, TokenKind::File, TokenExtras::default())
    }

    /// `GET /api/files/{collection}/{recordId}/{filename}`: finds the file (and its
    /// thumbnail), checking protected files against the view rule for the token's owner.
    pub async fn serve_file(
        &self,
        collection: &str,
        record_id: &str,
        filename: &str,
        thumb: Option<&str>,
        token: Option<&str>,
        download: bool,
    ) -> ServiceResult<ServedFile> {
        let schema = self.schema();
        let collection = schema
            .by_id_or_name(collection)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let lookup = collection.clone();
        let id = record_id.to_string();
        let record = self
            .store
            .read(move |conn| rows::get(conn, &lookup, &id, &[]))
            .await?
            .ok_or(ServiceError::NotFound)?;
        let field = collection
            .fields
            .iter()
            .find(|field| {
                matches!(field.kind, FieldKind::File { .. })
                    && match record.get(&field.name) {
                        Some(Value::String(name)) => name == filename,
                        Some(Value::Array(names)) => names.iter().any(|name| name == filename),
                        _ => false,
                    }
            })
            .ok_or(ServiceError::NotFound)?;
        let FieldKind::File {
            protected, thumbs, ..
        } = &field.kind
        else {
            return Err(ServiceError::NotFound);
        };
        if *protected {
            let auth = match token {
                Some(token) if !token.is_empty() => {
                    match self.find_record_by_token(token, TokenKind::File).await {
                        Some(found) => Auth::Record {
                            collection: found.collection,
                            record: found.record,
                        },
                        None => Auth::Guest,
                    }
                }
                _ => Auth::Guest,
            };
            self.check_protected_access(&collection, record_id, auth)
                .await?;
        }
        let store = self.file_store();
        let original = store.path(&collection.id, record_id, filename)?;
        let head = read_head(&original).await?;
        let content_type = content_type(&head, filename);
        let mut served = ServedFile {
            path: original.clone(),
            name: filename.to_string(),
            inline: !download && INLINE_TYPES.contains(&content_type.as_str()),
            content_type: content_type.clone(),
        };
        if let Some(size) = thumb
            && (size == "100x100" || thumbs.iter().any(|t| t == size))
            && THUMB_TYPES.contains(&content_type.as_str())
        {
            let target = store.thumb_path(&collection.id, record_id, filename, size)?;
            let spec = size.to_string();
            let source = original.clone();
            let made = target.clone();
            let created = tokio::task::spawn_blocking(move || {
                if made.exists() {
                    return Ok(());
                }
                create_thumb(&source, &made, &spec)
            })
            .await
            .unwrap_or_else(|error| Err(error.to_string()));
            match created {
                Ok(()) => {
                    served.path = target;
                    served.name = format!("{size}_{filename}");
                }
                Err(error) => {
                    tracing::warn!(%error, file = %filename, "thumb failed; serving the original")
                }
            }
        }
        Ok(served)
    }

    async fn check_protected_access(
        &self,
        collection: &Arc<Collection>,
        record_id: &str,
        auth: Auth,
    ) -> ServiceResult<()> {
        if auth.is_superuser() {
            return Ok(());
        }
        let Some(rule) = &collection.rules.view else {
            return Err(ServiceError::NotFound);
        };
        let ctx = RequestContext {
            auth,
            method: "GET".into(),
            ..RequestContext::default()
        };
        let mut request = ctx.rule_info(Map::new());
        request.context = "protectedFile".into();
        let schema = self.schema();
        let mut conditions = vec![];
        if !rule.trim().is_empty() {
            let compile = CompileContext {
                collection,
                schema: &schema,
                request: &request,
                table_alias: &collection.name,
                allow_hidden_fields: true,
                now: None,
            };
            conditions
                .push(rules::compile_filter(rule, &compile).map_err(|_| ServiceError::NotFound)?);
        }
        let lookup = collection.clone();
        let id = record_id.to_string();
        match self
            .store
            .read(move |conn| rows::get(conn, &lookup, &id, &conditions))
            .await
        {
            Ok(Some(_)) => Ok(()),
            _ => Err(ServiceError::NotFound),
        }
    }
}

async fn read_head(path: &std::path::Path) -> ServiceResult<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|_| ServiceError::NotFound)?;
    let mut head = vec![0u8; 8192];
    let read = file
        .read(&mut head)
        .await
        .map_err(|_| ServiceError::NotFound)?;
    head.truncate(read);
    Ok(head)
}

/// Writes a thumbnail of `source` to `target`. `spec` is `WxH` (center crop), `WxHt` /
/// `WxHb` (top/bottom crop), `WxHf` (fit inside), `0xH` or `Wx0` (keep the aspect ratio).
fn create_thumb(
    source: &std::path::Path,
    target: &std::path::Path,
    spec: &str,
) -> Result<(), String> {
    use image::imageops::FilterType;
    let mode = spec.chars().last().filter(|c| matches!(c, 't' | 'b' | 'f'));
    let size = spec.trim_end_matches(['t', 'b', 'f']);
    let (width, height) = size.split_once('x').ok_or("bad thumb size")?;
    let width: u32 = width.parse().map_err(|_| "bad thumb width")?;
    let height: u32 = height.parse().map_err(|_| "bad thumb height")?;
    if width > 8192 || height > 8192 {
        return Err("thumb too large".into());
    }
    let image = image::ImageReader::open(source)
        .map_err(|error| error.to_string())?
        .with_guessed_format()
        .map_err(|error| error.to_string())?;
    let format = image.format().ok_or("unknown image format")?;
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(16_384);
    decoder_limits.max_image_height = Some(16_384);
    decoder_limits.max_alloc = Some(256 << 20);
    let mut image = image;
    image.limits(decoder_limits);
    let picture = image.decode().map_err(|error| error.to_string())?;
    let thumb = match (width, height, mode) {
        (0, 0, _) => return Err("bad thumb size".into()),
        (0, h, _) => picture.resize(u32::MAX, h, FilterType::Triangle),
        (w, 0, _) => picture.resize(w, u32::MAX, FilterType::Triangle),
        (w, h, Some('f')) => picture.resize(w, h, FilterType::Triangle),
        (w, h, Some(edge)) => {
            let scale = (w as f64 / picture.width() as f64).max(h as f64 / picture.height() as f64);
            let scaled_w = ((picture.width() as f64 * scale).ceil() as u32).max(w);
            let scaled_h = ((picture.height() as f64 * scale).ceil() as u32).max(h);
            let resized = picture.resize_exact(scaled_w, scaled_h, FilterType::Triangle);
            let x = (scaled_w - w) / 2;
            let y = if edge == 't' { 0 } else { scaled_h - h };
            resized.crop_imm(x, y, w, h)
        }
        (w, h, None) => picture.resize_to_fill(w, h, FilterType::Triangle),
    };
    let mut encoded = std::io::Cursor::new(Vec::new());
    let output = match format {
        image::ImageFormat::Jpeg | image::ImageFormat::Gif | image::ImageFormat::Png => format,
        _ => image::ImageFormat::Png,
    };
    thumb
        .write_to(&mut encoded, output)
        .map_err(|error| error.to_string())?;
    crate::store::files::write_atomic(target, encoded.get_ref()).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_follow_pocketbase() {
        let name = stored_name("cover image.bin", b"");
        assert!(
            name.starts_with("cover_image_") && name.ends_with(".bin"),
            "{name}"
        );
        assert_eq!(name.len(), "cover_image_".len() + 10 + ".bin".len());
        let name = stored_name("../../etc/passwd", b"");
        assert!(name.starts_with("passwd") && !name.contains('/'), "{name}");
        let name = stored_name("Archive.TAR.GZ", b"");
        assert!(
            name.starts_with("archive_") && name.ends_with(".tar.gz"),
            "{name}"
        );
        let name = stored_name("a.png", &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]);
        assert!(
            name.len() > 16 && name.ends_with(".png"),
            "short names get a random part: {name}"
        );
        let name = stored_name("CamelCase Name!!.txt", b"x");
        assert!(name.starts_with("camel_case_name_"), "{name}");
        assert!(crate::store::files::is_safe_name(&stored_name(
            ".hidden", b""
        )));
    }

    #[test]
    fn content_types_are_sniffed_then_guessed() {
        assert_eq!(
            content_type(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a], "x.bin"),
            "image/png"
        );
        assert_eq!(content_type(b"hello", "notes.txt"), "text/plain");
        assert_eq!(content_type(b"<svg/>", "icon.svg"), "image/svg+xml");
        assert_eq!(
            content_type(&[0, 1, 2, 3], "blob.bin"),
            "application/octet-stream"
        );
    }
}
