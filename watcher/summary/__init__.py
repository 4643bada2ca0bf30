"""Change summaries: "what this means" in one paragraph.

`grounding` builds the model's input from the change itself (changed passages with a little
context, field changes, new documents' titles, abstracts and dates), never whole pages;
`client` asks any OpenAI-compatible chat-completions endpoint (the official `openai`
library) within a deadline and an hourly budget; `safety` makes the answer safe to show
(no mentions, no links that the change did not have, bounded length); `extractive` writes
the model-free line that leads every alert. Pure values in and out except `client`, which
is the only part that talks to the network. Imports the shared values only.
"""
