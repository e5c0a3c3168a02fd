//! HTTP-level integration tests: the real server on a socket, a fresh database per test.
//!
//! Run on SQLite with `cargo nextest run -p foothold-web`, and on PostgreSQL with
//! `FOOTHOLD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test` set as well.

mod harness;
mod peers;
mod world;

mod api_people;
mod audit;
mod bodies;
mod calendar;
mod conversation_access;
mod conversation_pages;
mod conversation_texts;
mod conversations;
mod csrf;
mod engagement;
mod import;
mod insight;
mod invites;
mod logs;
mod notices;
mod openapi;
mod ops;
mod pages;
mod permissions;
mod plans;
mod reminders;
mod route_matrix;
mod schema_fixes;
mod setup;
mod sign_in;
mod themes;
mod tokens;
mod year;
