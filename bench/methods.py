# methods (issue 3): a small class; 10M method calls in a loop.
class Counter:
    def __init__(self, start):
        self.total = start
        self.calls = 0

    def add(self, k):
        self.total += k
        self.calls += 1

    def scaled(self, f):
        return self.total * f

    def result(self):
        return self.total + self.calls


def main():
    c = Counter(0)
    acc = 0
    for i in range(5000000):
        c.add(i % 7)
        acc += c.scaled(3) % 1000
    print(c.result(), acc)


main()
