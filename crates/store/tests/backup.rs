//! Backups of a SQLite database: a consistent copy, checked before it is restored.

use foothold_store::{DatabaseUrl, Store, StoreError};

async fn open(path: &std::path::Path) -> Store {
    let store = Store::connect(&DatabaseUrl::sqlite_file(path), 2).await.expect("open");
    store.migrate().await.expect("migrate");
    store
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_place_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir.path().join("live.db")).await;
    store.put_setting("marker", "before the backup").await.expect("write");
    let backup = dir.path().join("backup.db");
    store.backup_to(&backup).await.expect("backup");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).expect("backup file").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a backup holds every reflection: owner only, got {mode:o}");
    }
    store.put_setting("marker", "after the backup").await.expect("write");
    let again = store.backup_to(&backup).await.expect_err("an existing file is never overwritten");
    assert!(matches!(again, StoreError::Conflict(ref m) if m.contains("already exists")), "{again}");
    let live = store.integrity().await.expect("check");
    assert!(live.is_ok(), "{live:?}");
    assert_eq!(live.schema_version, Some(foothold_store::schema_version()));
    store.close().await;

    let checked = foothold_store::check_sqlite_file(&backup).await.expect("check the backup");
    assert!(checked.is_ok(), "{checked:?}");
    let target = dir.path().join("restored").join("foothold.db");
    std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
    foothold_store::restore_sqlite_file(&backup, &target).await.expect("restore");
    let refused = foothold_store::restore_sqlite_file(&backup, &target).await.expect_err("not over a database");
    assert!(refused.to_string().contains("already exists"), "{refused}");
    let restored = open(&target).await;
    assert_eq!(restored.setting("marker").await.expect("read").as_deref(), Some("before the backup"));
    restored.close().await;

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").expect("write");
    let other = dir.path().join("other.db");
    let refused = foothold_store::restore_sqlite_file(&junk, &other).await.expect_err("junk refused");
    assert!(refused.to_string().contains("not a readable SQLite database"), "{refused}");
    assert!(!other.exists(), "nothing is written for a refused restore");
}
