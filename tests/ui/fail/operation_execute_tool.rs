use genai_o11y::genai_span;

#[genai_span(operation = "execute_tool", provider = "openai")]
fn get_weather(city: &str) -> String {
    city.to_owned()
}

fn main() {}
