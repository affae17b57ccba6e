"""NLP: tokenizer, sentences, kg's NER heads and the annotation of documents."""
