# loop: a nested numeric loop with integer arithmetic on locals.
def main():
    total = 0
    for i in range(3000):
        for j in range(3000):
            total += i * j % 7
    print(total)


main()
