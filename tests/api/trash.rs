//! The trash: delete moves an article there, restore brings it back, `permanent` purges.

use serde_json::Value;

use crate::helpers::TestApp;

fn id_of(a: &Value) -> String {
    a["id"].as_str().expect("id").to_string()
}

#[actix_web::test]
async fn delete_moves_to_the_trash_and_restore_brings_it_back() {
    let app = TestApp::spawn().await;
    let a = app.published("Trash me").await;
    let id = id_of(&a);
    let path = format!("/v1/articles/{id}");
    app.trash(&path).await;
    app.get(&path, None).await.assert_status(404);
    app.get(&path, Some(app.read_key()))
        .await
        .assert_status(404);
    app.get("/v1/articles", Some(app.read_key())).await.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(|x| assert_ne!(x["id"], a["id"]));

    let trash = app.get("/v1/trash", Some(app.read_key())).await;
    trash.assert_status(200);
    let ids: Vec<Value> = trash.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].clone())
        .collect();
    assert_eq!(ids, vec![a["id"].clone()]);
    let trashed = app
        .get(&format!("/v1/trash/{id}"), Some(app.read_key()))
        .await;
    trashed.assert_status(200);
    assert!(trashed.json()["trashed_at"].is_string());
    app.get("/v1/trash", None).await.assert_status(401);
    // A second delete without `permanent` is a conflict, not a silent success.
    app.delete(&path, Some(app.write_key()))
        .await
        .assert_status(409);

    let res = app
        .request(actix_web::http::Method::POST, &format!("{path}/restore"))
        .key(Some(app.write_key()))
        .send()
        .await;
    res.assert_status(200);
    assert!(res.json()["trashed_at"].is_null());
    assert_eq!(res.json()["status"], "published");
    let back = app.get(&path, None).await;
    back.assert_status(200);
    assert_eq!(
        back.json()["version"],
        3,
        "trash and restore each add a version"
    );
    app.get(&format!("/v1/trash/{id}"), Some(app.read_key()))
        .await
        .assert_status(404);
}

#[actix_web::test]
async fn permanent_delete_needs_an_admin_key_and_removes_it_everywhere() {
    let app = TestApp::spawn().await;
    let a = app.published("Gone for good").await;
    let id = id_of(&a);
    let path = format!("/v1/articles/{id}?permanent=true");
    app.delete(&path, Some(app.write_key()))
        .await
        .assert_status(403);
    app.get(&format!("/v1/articles/{id}"), None)
        .await
        .assert_status(200);
    app.delete(&path, Some(app.admin_key()))
        .await
        .assert_status(204);
    for key in [None, Some(app.admin_key())] {
        app.get(&format!("/v1/articles/{id}"), key)
            .await
            .assert_status(404);
        app.get("/v1/articles/gone-for-good", key)
            .await
            .assert_status(404);
    }
    app.get(&format!("/v1/trash/{id}"), Some(app.admin_key()))
        .await
        .assert_status(404);
    assert_eq!(
        app.get("/v1/trash", Some(app.admin_key())).await.json()["meta"]["total"],
        0
    );
}
