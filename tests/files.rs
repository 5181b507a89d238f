//! Files, black-box: multipart uploads into file fields, PocketBase's stored names,
//! `field+`/`field-` modifiers, serving with thumbnails and downloads, protected files
//! behind file tokens, size/type limits, path traversal, and cleanup on delete. Runs
//! against `lifebase`, or PocketBase with `LB_TEST_BIN`.

mod common;

use std::io::Cursor;

use common::fixture::{self, USER1};
use common::{Auth, Body, Server, multipart};
use serde_json::{Value, json};

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = Cursor::new(Vec::new());
    picture
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode png");
    bytes.into_inner()
}

fn setup() -> (Server, fixture::Fixture) {
    let s = Server::start();
    let fx = fixture::setup(&s);
    s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "docs",
            "listRule": "",
            "viewRule": "owner = @request.auth.id || owner = ''",
            "createRule": "",
            "updateRule": "",
            "deleteRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
                {"name": "cover", "type": "file", "maxSelect": 1, "thumbs": ["50x20", "0x30"],
                 "mimeTypes": ["image/png", "image/jpeg"]},
                {"name": "attachments", "type": "file", "maxSelect": 5, "maxSize": 2048},
                {"name": "secret", "type": "file", "maxSelect": 1, "protected": true},
            ],
        })),
        200,
    );
    (s, fx)
}

fn names(record: &Value, field: &str) -> Vec<String> {
    match &record[field] {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Value::String(name) if !name.is_empty() => vec![name.clone()],
        _ => vec![],
    }
}

#[test]
fn upload_serve_thumb_and_delete() {
    let (s, _fx) = setup();
    let picture = png(120, 80);
    let created = s.request(
        "POST",
        "/api/collections/docs/records",
        &Auth::None,
        &multipart(
            &[("title", "first"), ("owner", USER1)],
            &[
                ("cover", "My Cover Image.png", &picture),
                ("attachments", "notes.txt", b"hello"),
                ("attachments", "data.csv", b"a,b\n1,2\n"),
            ],
        ),
    );
    assert_eq!(created.status, 200, "{}", created.text);
    let record = created.json.clone();
    let id = record["id"].as_str().expect("id").to_string();
    let cover = record["cover"].as_str().expect("cover").to_string();
    let re = regex::Regex::new(r"^my_cover_image_[a-z0-9]{10}\.png$").expect("re");
    assert!(
        re.is_match(&cover),
        "stored names follow PocketBase: {cover}"
    );
    assert_eq!(names(&record, "attachments").len(), 2);
    assert_eq!(record["title"], "first");

    let (status, headers, bytes) = s.download(&format!("/api/files/docs/{id}/{cover}"));
    assert_eq!(status, 200);
    assert_eq!(bytes, picture, "the stored bytes come back unchanged");
    assert_eq!(
        headers.get("content-type").map(String::as_str),
        Some("image/png")
    );
    assert!(
        headers
            .get("content-disposition")
            .is_some_and(|d| d.starts_with("inline")),
        "{headers:?}"
    );
    let (_, headers, _) = s.download(&format!("/api/files/docs/{id}/{cover}?download=1"));
    assert!(
        headers
            .get("content-disposition")
            .is_some_and(|d| d.starts_with("attachment")),
        "{headers:?}"
    );

    for (thumb, width, height) in [("100x100", 100, 100), ("50x20", 50, 20), ("0x30", 45, 30)] {
        let (status, _, bytes) = s.download(&format!("/api/files/docs/{id}/{cover}?thumb={thumb}"));
        assert_eq!(status, 200);
        let decoded = image::load_from_memory(&bytes).expect("thumb is an image");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (width, height),
            "thumb {thumb}"
        );
    }
    let (_, _, bytes) = s.download(&format!("/api/files/docs/{id}/{cover}?thumb=7x7"));
    assert_eq!(
        bytes, picture,
        "sizes not listed in the field serve the original"
    );

    // Append and remove with modifiers; the removed file disappears.
    let first_attachment = names(&record, "attachments")[0].clone();
    let updated = s.request(
        "PATCH",
        &format!("/api/collections/docs/records/{id}"),
        &Auth::None,
        &multipart(
            &[("attachments-", &first_attachment)],
            &[("attachments+", "more.txt", b"more")],
        ),
    );
    assert_eq!(updated.status, 200, "{}", updated.text);
    let attachments = names(&updated.json, "attachments");
    assert_eq!(attachments.len(), 2, "{attachments:?}");
    assert!(!attachments.contains(&first_attachment));
    let (status, _, _) = s.download(&format!("/api/files/docs/{id}/{first_attachment}"));
    assert_eq!(status, 404, "a removed file is gone");

    // Unknown names, traversal and other records' files are 404s.
    for path in [
        format!("/api/files/docs/{id}/nope.png"),
        format!("/api/files/docs/{id}/..%2F..%2Fdata.db"),
        format!("/api/files/docs/{id}/%2e%2e"),
        format!("/api/files/nope/{id}/{cover}"),
        format!("/api/files/docs/missing00000000/{cover}"),
    ] {
        let (status, _, _) = s.download(&path);
        assert_eq!(status, 404, "{path}");
    }

    s.must(
        "DELETE",
        &format!("/api/collections/docs/records/{id}"),
        Auth::None,
        Body::None,
        204,
    );
    let (status, _, _) = s.download(&format!("/api/files/docs/{id}/{cover}"));
    assert_eq!(status, 404, "a deleted record's files are gone");
    if !common::is_pocketbase() {
        let docs = s.must(
            "GET",
            "/api/collections/docs",
            Auth::Superuser,
            Body::None,
            200,
        );
        let folder = s
            .data_dir
            .join("storage")
            .join(docs["id"].as_str().expect("id"))
            .join(&id);
        assert!(
            !folder.exists(),
            "the record's storage folder is removed: {}",
            folder.display()
        );
    }
}

#[test]
fn upload_limits_are_field_errors() {
    let (s, _fx) = setup();
    let too_big = vec![b'x'; 4096];
    let refused = s.request(
        "POST",
        "/api/collections/docs/records",
        &Auth::None,
        &multipart(
            &[("title", "big")],
            &[
                ("attachments", "big.txt", &too_big),
                ("cover", "fake.png", b"not an image"),
            ],
        ),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.json["message"], "Failed to create record.");
    assert!(
        refused.json["data"]["attachments"]["code"]
            .as_str()
            .is_some(),
        "{}",
        refused.text
    );
    assert!(
        refused.json["data"]["cover"]["code"].as_str().is_some(),
        "{}",
        refused.text
    );
    let many: Vec<(&str, &str, &[u8])> = (0..6)
        .map(|_| ("attachments", "a.txt", b"a" as &[u8]))
        .collect();
    let too_many = s.request(
        "POST",
        "/api/collections/docs/records",
        &Auth::None,
        &multipart(&[], &many),
    );
    assert_eq!(too_many.status, 400, "{}", too_many.text);
    assert_eq!(
        too_many.json["data"]["attachments"]["code"],
        "validation_too_many_files"
    );
    let listed = s.must(
        "GET",
        "/api/collections/docs/records",
        Auth::Superuser,
        Body::None,
        200,
    );
    assert_eq!(listed["totalItems"], 0, "refused uploads store nothing");
    let forged = s.request(
        "POST",
        "/api/collections/docs/records",
        &Auth::None,
        &Body::Json(json!({"attachments": ["../../data.db"]})),
    );
    assert_eq!(
        forged.status, 400,
        "file names cannot be set without uploading: {}",
        forged.text
    );
}

#[test]
fn protected_files_need_a_file_token() {
    let (s, fx) = setup();
    let created = s.request(
        "POST",
        "/api/collections/docs/records",
        &Auth::None,
        &multipart(
            &[("owner", USER1)],
            &[("secret", "secret.txt", b"top secret")],
        ),
    );
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.json["id"].as_str().expect("id").to_string();
    let secret = created.json["secret"].as_str().expect("secret").to_string();
    let url = format!("/api/files/docs/{id}/{secret}");
    assert_eq!(s.download(&url).0, 404, "no token, no file");
    assert_eq!(s.download(&format!("{url}?token=garbage")).0, 404);

    let guest_token = s.request("POST", "/api/files/token", &Auth::None, &Body::None);
    assert_eq!(guest_token.status, 401, "{}", guest_token.text);

    let user_token = s.must(
        "POST",
        "/api/files/token",
        Auth::Token(fx.user1_token.clone()),
        Body::None,
        200,
    );
    let token = user_token["token"].as_str().expect("token");
    let (status, _, bytes) = s.download(&format!("{url}?token={token}"));
    assert_eq!(
        (status, bytes.as_slice()),
        (200, b"top secret".as_slice()),
        "the owner may read it"
    );

    let other = s.must(
        "POST",
        "/api/files/token",
        Auth::Token(fx.user2_token.clone()),
        Body::None,
        200,
    );
    let other = other["token"].as_str().expect("token");
    assert_eq!(
        s.download(&format!("{url}?token={other}")).0,
        404,
        "the view rule still applies"
    );
    assert_eq!(
        s.download(&format!("{url}?token={}", fx.user1_token)).0,
        404,
        "an auth token is not a file token"
    );

    let admin = s.must("POST", "/api/files/token", Auth::Superuser, Body::None, 200);
    let admin = admin["token"].as_str().expect("token");
    assert_eq!(
        s.download(&format!("{url}?token={admin}")).0,
        200,
        "superusers may read it"
    );
}
