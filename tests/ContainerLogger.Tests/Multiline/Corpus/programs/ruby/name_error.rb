# NameError with "Did you mean?" suggestions.
def total(items)
  sum = 0
  items.each { |i| sum += i }
  summ
end

total([1, 2, 3])
