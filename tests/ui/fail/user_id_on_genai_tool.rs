use genai_o11y::genai_tool;

#[genai_tool(user_id = "u-1")]
fn get_weather(city: &str) -> String {
    city.to_owned()
}

fn main() {}
