use opentelemetry::{KeyValue, Value};

use super::*;

fn kv(k: &'static str, v: impl Into<Value>) -> KeyValue {
    KeyValue::new(k, v)
}

fn chat() -> Vec<KeyValue> {
    vec![
        kv("gen_ai.operation.name", "chat"),
        kv("gen_ai.provider.name", "openai"),
        kv("gen_ai.request.model", "gpt-4o"),
        kv("gen_ai.response.model", "gpt-4o-2024-08-06"),
        kv("gen_ai.usage.input_tokens", 100_i64),
        kv("genai_o11y.cost.amount", 0.0025),
        kv("genai_o11y.cost.currency", "USD"),
        kv("gen_ai.conversation.id", "conv-1"),
    ]
}

fn tool() -> Vec<KeyValue> {
    vec![
        kv("gen_ai.operation.name", "execute_tool"),
        kv("gen_ai.tool.name", "get_weather"),
        kv("gen_ai.tool.call.arguments", r#"{"city":"Paris"}"#),
        kv("gen_ai.tool.call.result", r#""Paris: 18°C""#),
    ]
}

fn agent() -> Vec<KeyValue> {
    vec![
        kv("gen_ai.operation.name", "invoke_agent"),
        kv("gen_ai.agent.name", "planner"),
        kv("gen_ai.provider.name", "openai"),
        kv("gen_ai.request.model", "gpt-4o"),
        kv("gen_ai.usage.input_tokens", 7_i64),
        kv("gen_ai.input.messages", r#"[{"role":"user","parts":[{"type":"text","content":"hi"}]}]"#),
        kv("gen_ai.output.messages", "[]"),
        kv("genai_o11y.aggregated_usage.input_tokens", 100_i64),
        kv("langfuse.session.id", "s"),
        kv("openinference.span.kind", "AGENT"),
        kv("llm.model_name", "gpt-4o"),
        kv("input.value", "kept"),
        kv("mlflow.spanType", "AGENT"),
    ]
}

fn rewritten(d: Dialect, mut attrs: Vec<KeyValue>) -> Vec<(String, String)> {
    d.rewrite(&mut attrs);
    attrs.into_iter().map(|kv| (kv.key.as_str().to_owned(), kv.value.as_str().into_owned())).collect()
}

fn get<'a>(attrs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    attrs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
}

#[test]
fn phoenix_adds_kinds_values_and_the_session() {
    let c = rewritten(Dialect::Phoenix, chat());
    assert_eq!(get(&c, "openinference.span.kind"), Some("LLM"));
    assert_eq!(get(&c, "session.id"), Some("conv-1"));
    assert_eq!(get(&c, "input.value"), None, "messages are Phoenix's own translation on LLM spans");
    let t = rewritten(Dialect::Phoenix, tool());
    assert_eq!(get(&t, "openinference.span.kind"), Some("TOOL"));
    assert_eq!(get(&t, "input.value"), Some(r#"{"city":"Paris"}"#));
    assert_eq!(get(&t, "input.mime_type"), Some("application/json"));
    assert_eq!(get(&t, "output.value"), Some("Paris: 18°C"), "a JSON string is its text");
    assert_eq!(get(&t, "output.mime_type"), None);
    let a = rewritten(Dialect::Phoenix, agent());
    assert_eq!(get(&a, "input.value"), Some("kept"), "what the application set wins");
    assert_eq!(get(&a, "output.value"), Some("[]"));
    assert_eq!(get(&a, "output.mime_type"), Some("application/json"));
    // An agent's one-message input and answer read as their text.
    let mut asked = agent();
    asked.retain(|kv| kv.key.as_str() != "input.value");
    asked.retain(|kv| kv.key.as_str() != "gen_ai.output.messages");
    asked.push(kv(
        "gen_ai.output.messages",
        r#"[{"role":"assistant","parts":[{"type":"text","content":"Go."},{"type":"text","content":"Now."}],"finish_reason":"stop"}]"#,
    ));
    let a = rewritten(Dialect::Phoenix, asked);
    assert_eq!(get(&a, "input.value"), Some("hi"));
    assert_eq!(get(&a, "output.value"), Some("Go.\nNow."));
    assert_eq!(get(&a, "input.mime_type"), None);
    let other = rewritten(Dialect::Phoenix, vec![kv("http.route", "/x")]);
    assert_eq!(get(&other, "openinference.span.kind"), Some("CHAIN"));
    let emb = rewritten(Dialect::Phoenix, vec![kv("gen_ai.operation.name", "embeddings")]);
    assert_eq!(get(&emb, "openinference.span.kind"), Some("EMBEDDING"));
}

#[test]
fn langfuse_adds_types_session_user_and_cost() {
    let c = rewritten(Dialect::Langfuse, chat());
    assert_eq!(get(&c, "langfuse.observation.type"), Some("generation"));
    assert_eq!(get(&c, "langfuse.session.id"), Some("conv-1"));
    assert_eq!(get(&c, "gen_ai.usage.cost"), Some("0.0025"));
    let mut eur = chat();
    eur[6] = kv("genai_o11y.cost.currency", "EUR");
    assert_eq!(get(&rewritten(Dialect::Langfuse, eur), "gen_ai.usage.cost"), None, "Langfuse's cost is in USD");
    assert_eq!(get(&rewritten(Dialect::Langfuse, tool()), "langfuse.observation.type"), Some("tool"));
    let a = rewritten(Dialect::Langfuse, vec![kv("gen_ai.operation.name", "invoke_agent"), kv("user.id", "u1"), kv("session.id", "s1")]);
    assert_eq!(get(&a, "langfuse.observation.type"), Some("agent"));
    assert_eq!(get(&a, "langfuse.user.id"), Some("u1"));
    assert_eq!(get(&a, "langfuse.session.id"), Some("s1"));
    assert_eq!(get(&rewritten(Dialect::Langfuse, vec![kv("http.route", "/x")]), "langfuse.observation.type"), None);
}

#[test]
fn langfuse_links_prompts_on_generation_spans_only() {
    let prompt = || [kv("gen_ai.prompt.name", "support-answer"), kv("gen_ai.prompt.version", "7")];
    let c = rewritten(Dialect::Langfuse, chat().into_iter().chain(prompt()).collect());
    assert_eq!(get(&c, "langfuse.observation.prompt.name"), Some("support-answer"));
    assert_eq!(get(&c, "langfuse.observation.prompt.version"), Some("7"));
    // A name without a version links the name only.
    let name_only = rewritten(Dialect::Langfuse, chat().into_iter().chain([kv("gen_ai.prompt.name", "support-answer")]).collect());
    assert_eq!(get(&name_only, "langfuse.observation.prompt.name"), Some("support-answer"));
    assert_eq!(get(&name_only, "langfuse.observation.prompt.version"), None);
    assert_eq!(get(&rewritten(Dialect::Langfuse, chat()), "langfuse.observation.prompt.name"), None, "no prompt, no link");
    // Not a generation: no link (Langfuse links prompts to generations only).
    for op in ["embeddings", "execute_tool", "invoke_agent"] {
        let other = rewritten(Dialect::Langfuse, [kv("gen_ai.operation.name", op)].into_iter().chain(prompt()).collect());
        assert_eq!(get(&other, "langfuse.observation.prompt.name"), None, "{op}");
        assert_eq!(get(&other, "langfuse.observation.prompt.version"), None, "{op}");
    }
    assert_eq!(get(&rewritten(Dialect::Langfuse, prompt().into()), "langfuse.observation.prompt.name"), None, "a plain span");
    // The type the span ends up with decides: the application's own wins over the operation's.
    let retyped = rewritten(Dialect::Langfuse, chat().into_iter().chain(prompt()).chain([kv("langfuse.observation.type", "span")]).collect());
    assert_eq!(get(&retyped, "langfuse.observation.prompt.name"), None);
    let typed = rewritten(Dialect::Langfuse, prompt().into_iter().chain([kv("langfuse.observation.type", "generation")]).collect());
    assert_eq!(get(&typed, "langfuse.observation.prompt.name"), Some("support-answer"));
    // What the application set wins.
    let own = rewritten(Dialect::Langfuse, chat().into_iter().chain(prompt()).chain([kv("langfuse.observation.prompt.version", "8")]).collect());
    assert_eq!(get(&own, "langfuse.observation.prompt.version"), Some("8"));
}

#[test]
fn other_dialects_leave_the_prompt_alone() {
    for d in [Dialect::Phoenix, Dialect::LangSmith, Dialect::Opik] {
        let c = rewritten(d, chat().into_iter().chain([kv("gen_ai.prompt.name", "support-answer")]).collect());
        assert_eq!(get(&c, "gen_ai.prompt.name"), Some("support-answer"), "{d:?}");
        assert!(c.iter().all(|(k, _)| !k.starts_with("langfuse.")), "{d:?}");
    }
}

#[test]
fn langsmith_adds_kinds_system_and_metadata_and_names_embeddings_its_way() {
    let c = rewritten(Dialect::LangSmith, chat());
    assert_eq!(get(&c, "langsmith.span.kind"), Some("llm"));
    assert_eq!(get(&c, "gen_ai.system"), Some("openai"));
    assert_eq!(get(&c, "langsmith.metadata.ls_model_name"), Some("gpt-4o"), "the requested model first");
    assert_eq!(get(&c, "langsmith.metadata.ls_provider"), Some("openai"));
    assert_eq!(get(&c, "langsmith.metadata.conversation_id"), Some("conv-1"));
    let e = rewritten(Dialect::LangSmith, vec![kv("gen_ai.operation.name", "embeddings"), kv("gen_ai.response.model", "text-embedding-3-small")]);
    assert_eq!(get(&e, "gen_ai.operation.name"), Some("embedding"));
    assert_eq!(get(&e, "langsmith.span.kind"), Some("embedding"));
    assert_eq!(get(&e, "langsmith.metadata.ls_model_name"), Some("text-embedding-3-small"));
    assert_eq!(get(&rewritten(Dialect::LangSmith, tool()), "langsmith.span.kind"), Some("tool"));
    let a = rewritten(Dialect::LangSmith, agent());
    assert_eq!(get(&a, "langsmith.span.kind"), Some("chain"));
    assert_eq!(get(&a, "langsmith.metadata.ls_model_name"), None, "an agent is not priced");
}

#[test]
fn opik_keeps_agents_out_of_llm_and_gets_no_other_platforms_keys() {
    let a = rewritten(Dialect::Opik, agent());
    let keys: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["gen_ai.operation.name", "gen_ai.agent.name", "gen_ai.provider.name", "genai_o11y.aggregated_usage.input_tokens", "input.value"],
        "no model, usage, messages or other platforms' keys on an agent"
    );
    let c = rewritten(Dialect::Opik, chat());
    assert_eq!(get(&c, "gen_ai.system"), Some("openai"));
    assert_eq!(get(&c, "gen_ai.request.model"), Some("gpt-4o"));
    assert_eq!(get(&c, "gen_ai.usage.input_tokens"), Some("100"));
    assert_eq!(rewritten(Dialect::Opik, tool()).len(), tool().len(), "a tool span is left as it is");
}

#[test]
fn content_values() {
    assert_eq!(content_value(r#""a""#), (Cow::Borrowed("a"), false));
    assert_eq!(content_value(r#"{"a":1}"#), (Cow::Borrowed(r#"{"a":1}"#), true));
    assert_eq!(content_value("[1]"), (Cow::Borrowed("[1]"), true));
    assert_eq!(content_value("42"), (Cow::Borrowed("42"), false));
    assert_eq!(content_value("not json"), (Cow::Borrowed("not json"), false));
}

#[test]
fn the_wrapper_rewrites_each_exported_span() {
    use opentelemetry::trace::{Tracer as _, TracerProvider as _};
    let memory = opentelemetry_sdk::trace::InMemorySpanExporter::default();
    let tp = opentelemetry_sdk::trace::SdkTracerProvider::builder().with_simple_exporter(Dialect::Opik.wrap(memory.clone())).build();
    tp.tracer("t").in_span("chat gpt-4o", |cx| {
        use opentelemetry::trace::TraceContextExt as _;
        cx.span().set_attribute(kv("gen_ai.operation.name", "chat"));
        cx.span().set_attribute(kv("gen_ai.provider.name", "anthropic"));
    });
    let spans = memory.get_finished_spans().unwrap();
    assert_eq!(spans[0].attributes.iter().find(|kv| kv.key.as_str() == "gen_ai.system").map(|kv| kv.value.as_str().into_owned()), Some("anthropic".into()));
}

#[test]
fn phoenix_shows_the_service_of_each_span_in_its_metadata() {
    use opentelemetry::trace::{Tracer as _, TracerProvider as _};
    let memory = opentelemetry_sdk::trace::InMemorySpanExporter::default();
    let resource = opentelemetry_sdk::Resource::builder_empty().with_service_name("kb-svc").with_attribute(KeyValue::new("service.namespace", "shop")).build();
    let tp = opentelemetry_sdk::trace::SdkTracerProvider::builder().with_resource(resource).with_simple_exporter(Dialect::Phoenix.wrap(memory.clone())).build();
    tp.tracer("t").in_span("execute_tool search", |cx| {
        use opentelemetry::trace::TraceContextExt as _;
        cx.span().set_attribute(kv("gen_ai.operation.name", "execute_tool"));
    });
    let spans = memory.get_finished_spans().unwrap();
    let metadata = spans[0].attributes.iter().find(|kv| kv.key.as_str() == "metadata").map(|kv| kv.value.as_str().into_owned());
    assert_eq!(metadata.as_deref(), Some(r#"{"service.name":"kb-svc"}"#));
    // Beside the attribution's metadata, which keeps its place.
    let mut attrs = attributed_tool();
    Dialect::Phoenix.rewrite_from(&mut attrs, &super::Origin { service_name: Some("agent-svc".into()), ..Default::default() }, None);
    let attrs: Vec<(String, String)> = attrs.into_iter().map(|kv| (kv.key.as_str().to_owned(), kv.value.as_str().into_owned())).collect();
    assert_eq!(get(&attrs, "metadata"), Some(r#"{"app.dialect_feature":"search","service.name":"agent-svc"}"#));
}

/// A tool span as the attribution processor leaves it (the metadata key registered as such by
/// `Attribution::metadata`).
fn attributed_tool() -> Vec<KeyValue> {
    let a = crate::attribution::Attribution::new().metadata("app.dialect_feature", "search");
    assert!(!a.is_empty());
    let mut attrs = tool();
    attrs.push(kv("session.id", "s-1"));
    attrs.push(kv("user.id", "u-1"));
    attrs.push(kv("genai_o11y.tags", Value::Array(opentelemetry::Array::String(vec!["beta".into(), "eu".into()]))));
    attrs.push(kv("app.dialect_feature", "search"));
    attrs.push(kv("app.not_metadata", "x"));
    attrs
}

#[test]
fn attribution_under_each_platforms_keys() {
    let p = rewritten(Dialect::Phoenix, attributed_tool());
    assert_eq!(get(&p, "session.id"), Some("s-1"));
    assert_eq!(get(&p, "user.id"), Some("u-1"));
    assert_eq!(get(&p, "tag.tags"), Some("[\"beta\",\"eu\"]"));
    assert_eq!(get(&p, "metadata"), Some(r#"{"app.dialect_feature":"search"}"#));

    let l = rewritten(Dialect::Langfuse, attributed_tool());
    assert_eq!(get(&l, "langfuse.session.id"), Some("s-1"));
    assert_eq!(get(&l, "langfuse.user.id"), Some("u-1"));
    assert_eq!(get(&l, "langfuse.trace.tags"), Some("[\"beta\",\"eu\"]"));
    assert_eq!(get(&l, "langfuse.trace.metadata.app.dialect_feature"), Some("search"));
    assert_eq!(get(&l, "langfuse.trace.metadata.app.not_metadata"), None);

    let s = rewritten(Dialect::LangSmith, attributed_tool());
    assert_eq!(get(&s, "langsmith.metadata.session_id"), Some("s-1"));
    assert_eq!(get(&s, "langsmith.metadata.user_id"), Some("u-1"));
    assert_eq!(get(&s, "langsmith.span.tags"), Some("beta,eu"));
    assert_eq!(get(&s, "langsmith.metadata.app.dialect_feature"), Some("search"));

    let o = rewritten(Dialect::Opik, attributed_tool());
    assert_eq!(get(&o, "session.id"), Some("s-1"), "Opik's thread");
    assert_eq!(get(&o, "opik.metadata.user_id"), Some("u-1"));
    assert_eq!(get(&o, "opik.tags"), Some("[\"beta\",\"eu\"]"));
    assert_eq!(get(&o, "opik.metadata.app.dialect_feature"), Some("search"));
    for gone in ["user.id", "genai_o11y.tags", "app.dialect_feature"] {
        assert_eq!(get(&o, gone), None, "Opik would dump {gone} into the span's Input");
    }
}

#[test]
fn a_late_evaluation_span_is_an_evaluator() {
    let eval = || vec![kv("gen_ai.evaluation.name", "toxicity"), kv("gen_ai.evaluation.score.label", "safe")];
    assert_eq!(get(&rewritten(Dialect::Phoenix, eval()), "openinference.span.kind"), Some("EVALUATOR"));
    assert_eq!(get(&rewritten(Dialect::Langfuse, eval()), "langfuse.observation.type"), Some("evaluator"));
    assert_eq!(get(&rewritten(Dialect::LangSmith, eval()), "langsmith.span.kind"), Some("chain"));
    // A span of an operation that also carries an evaluation name stays what it is.
    let mut chat_with_eval = chat();
    chat_with_eval.push(kv("gen_ai.evaluation.name", "x"));
    assert_eq!(get(&rewritten(Dialect::Phoenix, chat_with_eval), "openinference.span.kind"), Some("LLM"));
}

#[test]
fn a_workflow_is_a_chain() {
    let wf = || vec![kv("gen_ai.operation.name", "invoke_workflow"), kv("gen_ai.workflow.name", "triage")];
    assert_eq!(get(&rewritten(Dialect::Phoenix, wf()), "openinference.span.kind"), Some("CHAIN"));
    assert_eq!(get(&rewritten(Dialect::Langfuse, wf()), "langfuse.observation.type"), Some("chain"));
    assert_eq!(get(&rewritten(Dialect::LangSmith, wf()), "langsmith.span.kind"), Some("chain"));
}

#[test]
fn mlflow_types_every_operation_the_way_mlflow_names_them() {
    let ty = |attrs: Vec<KeyValue>| get(&rewritten(Dialect::MLflow, attrs), "mlflow.spanType").map(str::to_owned);
    let op = |name: &'static str| vec![kv("gen_ai.operation.name", name)];
    for (operation, expected) in [
        ("chat", "CHAT_MODEL"),
        ("text_completion", "LLM"),
        ("generate_content", "LLM"),
        ("embeddings", "EMBEDDING"),
        ("execute_tool", "TOOL"),
        ("invoke_agent", "AGENT"),
        ("create_agent", "AGENT"),
        ("retrieval", "RETRIEVER"),
        ("search_memory", "MEMORY"),
        ("upsert_memory", "MEMORY"),
        ("delete_memory_store", "MEMORY"),
        ("invoke_workflow", "WORKFLOW"),
        ("plan", "CHAIN"),
    ] {
        assert_eq!(ty(op(operation)).as_deref(), Some(expected), "{operation}");
    }
    assert_eq!(ty(vec![kv("gen_ai.evaluation.name", "toxicity")]).as_deref(), Some("EVALUATOR"));
    assert_eq!(ty(vec![kv("http.route", "/x")]), None, "the application's own spans stay MLflow's UNKNOWN");
    // What the application set wins: its own type, or another platform's kind MLflow reads first.
    assert_eq!(ty(vec![kv("gen_ai.operation.name", "chat"), kv("mlflow.spanType", "PARSER")]).as_deref(), Some("PARSER"));
    assert_eq!(ty(vec![kv("gen_ai.operation.name", "retrieval"), kv("openinference.span.kind", "RERANKER")]), None);
    assert_eq!(ty(vec![kv("gen_ai.operation.name", "retrieval"), kv("langfuse.observation.type", "span")]), None);
}

#[test]
fn mlflow_gets_a_retrievals_query_and_documents_as_its_own() {
    let retrieval = || {
        vec![
            kv("gen_ai.operation.name", "retrieval"),
            kv("gen_ai.data_source.id", "help-center"),
            kv("gen_ai.retrieval.query.text", "How do I \"reset\" my password?"),
            kv("gen_ai.retrieval.documents", r#"[{"id":"kb-12","score":0.91},{"id":"kb-40","score":0.77}]"#),
        ]
    };
    let r = rewritten(Dialect::MLflow, retrieval());
    let inputs: serde_json::Value = serde_json::from_str(get(&r, "mlflow.spanInputs").unwrap()).unwrap();
    assert_eq!(inputs, serde_json::json!({"query": "How do I \"reset\" my password?"}));
    let outputs: serde_json::Value = serde_json::from_str(get(&r, "mlflow.spanOutputs").unwrap()).unwrap();
    assert_eq!(
        outputs,
        serde_json::json!([
            {"page_content": "", "metadata": {"doc_uri": "kb-12", "score": 0.91}, "id": "kb-12"},
            {"page_content": "", "metadata": {"doc_uri": "kb-40", "score": 0.77}, "id": "kb-40"},
        ])
    );
    // Capture off: no query, no documents, nothing invented.
    let off = rewritten(Dialect::MLflow, vec![kv("gen_ai.operation.name", "retrieval"), kv("genai_o11y.retrieval.document_count", 2_i64)]);
    assert_eq!(get(&off, "mlflow.spanInputs"), None);
    assert_eq!(get(&off, "mlflow.spanOutputs"), None);
    // The application's own inputs and outputs win (MLflow's or OpenInference's keys).
    let own = rewritten(Dialect::MLflow, retrieval().into_iter().chain([kv("mlflow.spanInputs", "mine"), kv("output.value", "theirs")]).collect());
    assert_eq!(get(&own, "mlflow.spanInputs"), Some("mine"));
    assert_eq!(get(&own, "mlflow.spanOutputs"), None, "MLflow reads output.value itself");
    // Documents that are not the conventions' list are left out.
    let bad = rewritten(Dialect::MLflow, vec![kv("gen_ai.operation.name", "retrieval"), kv("gen_ai.retrieval.documents", "{not json")]);
    assert_eq!(get(&bad, "mlflow.spanOutputs"), None);
}

#[test]
fn mlflow_gets_a_memory_operations_query_and_records() {
    let search = rewritten(Dialect::MLflow, vec![kv("gen_ai.operation.name", "search_memory"), kv("gen_ai.memory.query.text", "favourite city")]);
    assert_eq!(get(&search, "mlflow.spanType"), Some("MEMORY"));
    assert_eq!(get(&search, "mlflow.spanInputs"), Some(r#"{"query":"favourite city"}"#));
    assert_eq!(get(&search, "mlflow.spanOutputs"), None, "the records found are not captured, only their count");
    let upsert = rewritten(Dialect::MLflow, vec![kv("gen_ai.operation.name", "upsert_memory"), kv("gen_ai.memory.records", r#"[{"fact":"likes Oslo"}]"#)]);
    assert_eq!(get(&upsert, "mlflow.spanInputs"), Some(r#"{"records":[{"fact":"likes Oslo"}]}"#));
    assert_eq!(get(&rewritten(Dialect::MLflow, vec![kv("gen_ai.operation.name", "delete_memory")]), "mlflow.spanInputs"), None);
}

#[test]
fn mlflow_totals_an_embeddings_input_tokens() {
    let e = rewritten(Dialect::MLflow, vec![kv("gen_ai.operation.name", "embeddings"), kv("gen_ai.usage.input_tokens", 12_i64)]);
    assert_eq!(get(&e, "mlflow.chat.tokenUsage"), Some(r#"{"input_tokens":12,"total_tokens":12}"#));
    // Output tokens, or no usage: MLflow's own translation totals it.
    let with_output = rewritten(
        Dialect::MLflow,
        vec![kv("gen_ai.operation.name", "embeddings"), kv("gen_ai.usage.input_tokens", 12_i64), kv("gen_ai.usage.output_tokens", 0_i64)],
    );
    assert_eq!(get(&with_output, "mlflow.chat.tokenUsage"), None);
    assert_eq!(get(&rewritten(Dialect::MLflow, vec![kv("gen_ai.operation.name", "embeddings")]), "mlflow.chat.tokenUsage"), None);
    assert_eq!(get(&rewritten(Dialect::MLflow, chat()), "mlflow.chat.tokenUsage"), None, "a chat's usage is MLflow's translation");
}

#[test]
fn mlflow_reads_the_conventions_itself_where_it_can() {
    // Chat, tool and agent content, usage, model, session and user: MLflow's own translation.
    for attrs in [chat(), tool(), agent(), attributed_tool()] {
        let before = attrs.len();
        let r = rewritten(Dialect::MLflow, attrs);
        let added: Vec<&str> = r[before..].iter().map(|(k, _)| k.as_str()).collect();
        assert!(added.iter().all(|k| *k == "mlflow.spanType" || k.starts_with("mlflow.traceTag.")), "{added:?}");
    }
    let a = rewritten(Dialect::MLflow, attributed_tool());
    assert_eq!(get(&a, "mlflow.traceTag.app.dialect_feature"), Some("search"), "metadata as a trace tag");
    assert_eq!(get(&a, "mlflow.traceTag.app.not_metadata"), None);
    assert_eq!(get(&a, "session.id"), Some("s-1"));
    assert_eq!(get(&a, "user.id"), Some("u-1"));
}

fn guard() -> Vec<KeyValue> {
    vec![
        kv("gen_ai.operation.name", "run_guardrail"),
        kv("gen_ai.guardrail.component.name", "pii"),
        kv("gen_ai.guardrail.result.type", "block"),
        kv("gen_ai.guardrail.result.reason", "a card number"),
        kv("gen_ai.guardrail.risk.category", "pci"),
        kv("gen_ai.guardrail.content.input.value", "my card is 4111"),
    ]
}

#[test]
fn a_guard_is_each_platforms_guardrail() {
    let p = rewritten(Dialect::Phoenix, guard());
    assert_eq!(get(&p, "openinference.span.kind"), Some("GUARDRAIL"));
    assert_eq!(get(&p, "input.value"), Some("my card is 4111"), "the checked content as the span's input");
    assert_eq!(get(&rewritten(Dialect::Langfuse, guard()), "langfuse.observation.type"), Some("guardrail"));
    assert_eq!(get(&rewritten(Dialect::LangSmith, guard()), "langsmith.span.kind"), Some("chain"), "LangSmith has no guardrail run type");
    let m = rewritten(Dialect::MLflow, guard());
    assert_eq!(get(&m, "mlflow.spanType"), Some("GUARDRAIL"));
    let inputs: serde_json::Value = serde_json::from_str(get(&m, "mlflow.spanInputs").unwrap()).unwrap();
    assert_eq!(inputs, serde_json::json!({"content": "my card is 4111"}));
    let outputs: serde_json::Value = serde_json::from_str(get(&m, "mlflow.spanOutputs").unwrap()).unwrap();
    assert_eq!(outputs, serde_json::json!({"result": "block", "reason": "a card number", "risk_category": "pci"}));
    // Without content: the decision only.
    let no_content: Vec<KeyValue> = guard().into_iter().filter(|kv| !kv.key.as_str().contains("content")).collect();
    let m = rewritten(Dialect::MLflow, no_content);
    assert!(get(&m, "mlflow.spanInputs").is_none());
    assert!(get(&m, "mlflow.spanOutputs").is_some());
    // Opik: no span type, the guard's own keys kept.
    let o = rewritten(Dialect::Opik, guard());
    assert_eq!(get(&o, "gen_ai.guardrail.result.type"), Some("block"));
}
