// `#[derive(HasUsage)]` with a provider-reported cost: a `cost` field by name, `#[usage(cost)]`
// on a field with another name, `f64`/`f32`/`Option`, a currency, an enum.
#![allow(dead_code)]

use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, Cost, CostSource, HasUsage, Usage};
use opentelemetry::Value;

// By name, `f64`, USD by default.
#[derive(HasUsage)]
struct Gateway {
    prompt_tokens: u32,
    completion_tokens: u32,
    cost: f64,
}

// By role, `Option<f32>`.
#[derive(HasUsage)]
struct Priced {
    input_tokens: u32,
    #[usage(cost)]
    price: Option<f32>,
}

// Another currency.
#[derive(HasUsage)]
#[usage(currency = "EUR")]
struct Euro {
    input_tokens: u32,
    cost: Option<f64>,
}

// Currency together with the other container options.
#[derive(HasUsage)]
#[usage(input_excludes_cache, currency = "GBP")]
struct Pounds {
    input_tokens: u32,
    cache_read_input_tokens: u32,
    #[usage(cost)]
    charged: f32,
}

// Nested: the cost comes from the inner value.
#[derive(HasUsage)]
struct Wrapper {
    #[usage(nested)]
    inner: Euro,
}

// An enum with a cost in one variant only.
#[derive(HasUsage)]
enum Reply {
    Billed { input_tokens: u32, cost: f64 },
    Free { input_tokens: u32 },
    Tuple(#[usage(input_tokens)] u32, #[usage(cost)] Option<f64>),
}

#[genai_span(operation = "chat", provider = "openrouter", model = "some/model")]
fn via_gateway() -> Euro {
    Euro { input_tokens: 10, cost: Some(0.25) }
}

fn main() {
    let g = Gateway { prompt_tokens: 1, completion_tokens: 2, cost: 0.5 };
    assert_eq!(g.usage(), Usage::new().input(1).output(2));
    assert_eq!(g.cost(), Some(Cost::reported(0.5, "USD")));
    assert_eq!(g.cost().unwrap().source, CostSource::Provider);

    assert_eq!(Priced { input_tokens: 1, price: Some(0.5) }.cost(), Some(Cost::reported(0.5, "USD")));
    assert_eq!(Priced { input_tokens: 1, price: None }.cost(), None);

    let e = Euro { input_tokens: 1, cost: Some(2.0) };
    assert_eq!(e.cost().unwrap().currency, "EUR");
    assert_eq!(Wrapper { inner: e }.cost(), Some(Cost::reported(2.0, "EUR")));

    let p = Pounds { input_tokens: 1, cache_read_input_tokens: 2, charged: 0.75 };
    assert_eq!(p.cost(), Some(Cost::reported(0.75, "GBP")));
    assert_eq!(p.usage().spec_input_tokens(), Some(3));

    assert_eq!(Reply::Billed { input_tokens: 1, cost: 0.125 }.cost(), Some(Cost::reported(0.125, "USD")));
    assert_eq!(Reply::Free { input_tokens: 1 }.cost(), None);
    assert_eq!(Reply::Tuple(1, Some(1.5)).cost(), Some(Cost::reported(1.5, "USD")));
    assert_eq!(Reply::Tuple(1, None).usage(), Usage::new().input(1));

    let t = TestTelemetry::new();
    via_gateway();
    let span = t.span("chat some/model");
    assert_eq!(attr(&span, "genai_o11y.cost.amount"), Some(&Value::F64(0.25)));
    assert_eq!(attr(&span, "genai_o11y.cost.currency"), Some(&Value::from("EUR")));
    assert_eq!(attr(&span, "genai_o11y.cost.source"), Some(&Value::from("provider")));
}
