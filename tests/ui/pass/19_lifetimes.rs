// Borrowed arguments and borrowed return values.
use genai_o11y::{genai_span, genai_tool, HasUsage};

#[derive(HasUsage)]
struct Resp<'a> {
    id: &'a str,
    input_tokens: u32,
}

#[derive(Debug)]
struct E;
impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("e")
    }
}

#[genai_span(operation = "chat", provider = "openai", model = model)]
async fn named<'a>(model: &str, x: &'a str) -> Result<Resp<'a>, E> {
    Ok(Resp { id: x, input_tokens: 1 })
}

#[genai_span(operation = "chat", provider = "openai")]
async fn elided(x: &str) -> Result<Resp<'_>, E> {
    Ok(Resp { id: x, input_tokens: 2 })
}

#[genai_span(operation = "chat", provider = "openai")]
fn sync_named<'a>(x: &'a str) -> Resp<'a> {
    Resp { id: x, input_tokens: 3 }
}

#[genai_span(operation = "chat", provider = "openai")]
fn sync_elided(x: &str) -> Option<Resp<'_>> {
    Some(Resp { id: x, input_tokens: 4 })
}

#[genai_span(operation = "chat", provider = "openai")]
fn two_lifetimes<'a, 'b: 'a>(x: &'a str, _y: &'b str) -> Resp<'a> {
    Resp { id: x, input_tokens: 5 }
}

struct Store {
    responses: Vec<Resp<'static>>,
}

impl Store {
    #[genai_span(operation = "chat", provider = "openai")]
    async fn first(&self) -> Option<&Resp<'static>> {
        self.responses.first()
    }

    #[genai_tool]
    fn first_mut(&mut self) -> Option<&mut Resp<'static>> {
        self.responses.first_mut()
    }
}

fn main() {
    let s = String::from("abc");
    assert_eq!(futures::executor::block_on(named("m", &s)).unwrap().id, "abc");
    assert_eq!(futures::executor::block_on(elided(&s)).unwrap().input_tokens, 2);
    assert_eq!(sync_named(&s).input_tokens, 3);
    assert_eq!(sync_elided(&s).unwrap().id, "abc");
    assert_eq!(two_lifetimes(&s, "y").input_tokens, 5);
    let mut st = Store { responses: vec![Resp { id: "r", input_tokens: 6 }] };
    assert_eq!(futures::executor::block_on(st.first()).unwrap().input_tokens, 6);
    st.first_mut().unwrap().input_tokens = 7;
    assert_eq!(st.responses[0].input_tokens, 7);
}
