use genai_o11y::genai_tool;

const NAME: &str = "weather";

#[genai_tool(name = NAME)]
fn get_weather(city: &str) -> String {
    city.to_owned()
}

fn main() {}
