//! Uploaded files on the local disk: `storage/<collectionId>/<recordId>/<name>`, with
//! thumbnails beside them in `thumbs_<name>/`. Every name is checked before it becomes a
//! path, so no request can reach outside the storage folder.

use std::path::{Path, PathBuf};

use super::{StoreError, StoreResult};

/// The storage folder of a data dir.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// Whether `name` is safe as one path component: no separators, no leading dot, no
/// control characters, at most 150 bytes.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 150
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control)
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { root: root.into() }
    }

    fn record_dir(&self, collection_id: &str, record_id: &str) -> StoreResult<PathBuf> {
        if !is_safe_name(collection_id) || !is_safe_name(record_id) {
            return Err(StoreError::Other("unsafe storage path".into()));
        }
        Ok(self.root.join(collection_id).join(record_id))
    }

    /// The path of a stored file (which may not exist).
    pub fn path(&self, collection_id: &str, record_id: &str, name: &str) -> StoreResult<PathBuf> {
        if !is_safe_name(name) {
            return Err(StoreError::Other("unsafe file name".into()));
        }
        Ok(self.record_dir(collection_id, record_id)?.join(name))
    }

    /// The path of a thumbnail of a stored file.
    pub fn thumb_path(
        &self,
        collection_id: &str,
        record_id: &str,
        name: &str,
        thumb: &str,
    ) -> StoreResult<PathBuf> {
        if !is_safe_name(name) || !is_safe_name(thumb) {
            return Err(StoreError::Other("unsafe file name".into()));
        }
        Ok(self
            .record_dir(collection_id, record_id)?
            .join(format!("thumbs_{name}"))
            .join(format!("{thumb}_{name}")))
    }

    /// Writes a file, creating its folder; the write is atomic (temp file + rename).
    pub fn save(
        &self,
        collection_id: &str,
        record_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> StoreResult<PathBuf> {
        let path = self.path(collection_id, record_id, name)?;
        write_atomic(&path, bytes)?;
        Ok(path)
    }

    /// Deletes one stored file and its thumbnails; a missing file is not an error.
    pub fn delete(&self, collection_id: &str, record_id: &str, name: &str) -> StoreResult<()> {
        let path = self.path(collection_id, record_id, name)?;
        remove_file(&path)?;
        let thumbs = self
            .record_dir(collection_id, record_id)?
            .join(format!("thumbs_{name}"));
        if thumbs.exists() {
            std::fs::remove_dir_all(thumbs)?;
        }
        Ok(())
    }

    /// Deletes every file of a record.
    pub fn delete_record(&self, collection_id: &str, record_id: &str) -> StoreResult<()> {
        let dir = self.record_dir(collection_id, record_id)?;
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        Ok(())
    }

    /// Deletes every file of a collection.
    pub fn delete_collection(&self, collection_id: &str) -> StoreResult<()> {
        if !is_safe_name(collection_id) {
            return Err(StoreError::Other("unsafe storage path".into()));
        }
        let dir = self.root.join(collection_id);
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        Ok(())
    }
}

fn remove_file(path: &Path) -> StoreResult<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Writes `bytes` to `path` through a temporary sibling, so readers never see half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> StoreResult<()> {
    let Some(dir) = path.parent() else {
        return Err(StoreError::Other("file path without a folder".into()));
    };
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}
