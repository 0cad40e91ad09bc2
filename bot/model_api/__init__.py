"""The port to a language model endpoint (GitHub Models, or any server that speaks the
OpenAI chat-completions protocol) for the `rules+model` reader."""
