# exceptions (issue 3): raise and catch 1M exceptions across a call.
def check(i):
    if i % 2 == 0:
        raise ValueError("odd one out")
    return i


def main():
    caught = 0
    total = 0
    for i in range(2000000):
        try:
            total += check(i)
        except ValueError:
            caught += 1
    print(caught, total)


main()
