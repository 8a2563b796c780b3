"""The bottom layer every other package may use: atomic artifact writes, the error base class,
console log lines and the field-by-field config checker. It imports nothing of l1cnn's own."""
