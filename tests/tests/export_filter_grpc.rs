//! The export filter under gRPC export (see `common/export_filter.rs`). One test: it installs
//! the global pipeline.

#[path = "common/export_filter.rs"]
mod export_filter;

#[test]
fn grpc_export_carries_only_the_applications_spans() {
    export_filter::exports_only_the_applications_spans(genai_o11y::setup::Protocol::Grpc);
}
