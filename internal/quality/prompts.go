package quality

// Prompts are the guard's built-in greedy prompts: short, plain English,
// printable ASCII (servesweep's test models read one byte per token), of
// different kinds (narrative, factual, instruction, code, arithmetic, list),
// so a broken kernel or quantization shows in more than one kind of text.
// Written for servesweep; sent raw (no chat template).
var Prompts = []string{
	"The old lighthouse keeper climbed the stairs every evening, and on the last night of the year he",
	"Water boils at a lower temperature on a high mountain because",
	"Write three short tips for keeping a vegetable garden healthy:\n1.",
	"def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
	"Question: A baker makes 12 loaves an hour for 7 hours and sells 60 of them. How many are left?\nAnswer:",
	"The capital cities of five European countries are",
	"In a quiet village by the river, the children",
	"To convert a temperature from Celsius to Fahrenheit, you",
}

// PromptSet returns the first n built-in prompts (n ≤ 0 or past the end: all).
func PromptSet(n int) []string {
	if n <= 0 || n > len(Prompts) {
		return Prompts
	}
	return Prompts[:n]
}
