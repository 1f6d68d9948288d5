package quality

import (
	"strings"
	"testing"
)

func TestParseDataset(t *testing.T) {
	in := `{"question": "Tom has 3 apples and buys 4 more. How many?", "answer": "3 + 4 = <<3+4=7>>7\n#### 7"}

{"question": "A shirt costs $1,250.00. What is the price?", "answer": "#### $1,250"}
`
	items, err := ParseDataset(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Gold != "7" || items[1].Gold != "1250" {
		t.Fatalf("items %+v", items)
	}
	for _, c := range []struct{ in, want string }{
		{`{"question": "q"}`, `1: no "answer"`},
		{`{"answer": "#### 3"}`, `1: no "question"`},
		{"\n" + `{"question": "q", "answer": "3"}`, `2: "answer" has no final answer after "####"`},
		{`{"question": "q", "answer": "#### 3"}` + "\n[1,2]", "2: not a JSON object"},
		{"", "1: no questions"},
	} {
		_, err := ParseDataset(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestExtractAnswer(t *testing.T) {
	for _, c := range []struct{ gen, want string }{
		{" She has 3 + 4 = 7 apples.\n#### 7", "7"},
		{" The answer is $1,250.00.", "1250"},
		{" 12 loaves × 7 hours = 84, minus 60 sold leaves 24.", "24"},
		{" 2.5 litres", "2.5"},
		{" -3 degrees", "-3"},
		{" I do not know.", ""},
		{" 7\nQuestion: How many legs has a spider?\nAnswer: 8", "7"}, // a new question is not the answer
		{"#### 1,000\n#### 5", "1000"},
	} {
		if got := ExtractAnswer(c.gen); got != c.want {
			t.Errorf("ExtractAnswer(%q) = %q, want %q", c.gen, got, c.want)
		}
	}
	if !Correct(" so 72 in all.", "72") || Correct(" so 71 in all.", "72") || Correct("", "0") {
		t.Fatal("Correct")
	}
}

func FuzzParseDataset(f *testing.F) {
	f.Add([]byte(`{"question": "q", "answer": "x\n#### 7"}`))
	f.Add([]byte("{\"question\": \"q\", \"answer\": \"#### $1,000.50\"}\n\n{\"question\": \"r\", \"answer\": \"#### -3\"}\n"))
	f.Add([]byte(`{"question": "q", "answer": "7"}`))
	f.Add([]byte(`{"question": "", "answer": "#### 7"}`))
	f.Add([]byte("not json\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ParseDataset(strings.NewReader(string(b)))
		if err != nil {
			if len(items) != 0 {
				t.Fatalf("items with an error: %v", err)
			}
			return
		}
		if len(items) == 0 {
			t.Fatal("no items and no error")
		}
		for _, it := range items {
			if it.Gold == "" || strings.TrimSpace(it.Question) == "" {
				t.Fatalf("empty item %+v", it)
			}
			if Normalize(it.Gold) != it.Gold {
				t.Fatalf("gold %q is not normalised (%q)", it.Gold, Normalize(it.Gold))
			}
			if !strings.Contains(it.Gold, "\nQuestion:") && !Correct("#### "+it.Gold, it.Gold) {
				t.Fatalf("a generation that writes the gold answer is not correct: %q", it.Gold)
			}
		}
	})
}
