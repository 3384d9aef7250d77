# words: generate ~5 MB of text from a small vocabulary, split it and count
# the words with a dict; print the 5 most common.
def main():
    vocab = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
             "and", "runs", "away", "from", "a", "big", "red", "cat", "in",
             "hat", "sat", "on", "mat", "with", "sun", "moon"]
    seed = 42
    pieces = []
    size = 0
    while size < 5000000:
        seed = (seed * 1103515245 + 12345) % 2147483648
        w = vocab[seed // 65536 % len(vocab)]
        pieces.append(w)
        size += len(w) + 1
    text = " ".join(pieces)
    counts = {}
    for w in text.split():
        counts[w] = counts.get(w, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    for w, c in top[:5]:
        print(w, c)


main()
