use genai_o11y::genai_tool;

#[genai_tool(input_messages = city)]
fn get_weather(city: &str) -> String {
    city.to_owned()
}

fn main() {}
