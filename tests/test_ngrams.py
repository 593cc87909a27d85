"""kg's n-gram TF-IDF against scikit-learn's, which it stands in for at run time."""

import pytest

from kg.ngrams import Postings, TfidfSpace, char_ngrams, similarities

NAMES = ["Raufoss Industripark", "Gjøvik  kommune", "Å", "Nord-Aurdal", "NIS-lab", "NISlab", "a b cd",
         "Høgskolen i Innlandet", "ØF"]


def test_n_grams_are_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    for lo, hi in ((2, 4), (2, 5), (1, 3)):
        analyse = TfidfVectorizer(analyzer="char_wb", ngram_range=(lo, hi)).build_analyzer()
        for name in NAMES:
            assert char_ngrams(name, lo, hi) == analyse(name), name


def test_vectors_and_similarities_are_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))
    matrix = vectorizer.fit_transform(NAMES)
    space = TfidfSpace.fit(NAMES, 2, 4)
    for gram, i in vectorizer.vocabulary_.items():
        assert space.idf[gram] == pytest.approx(vectorizer.idf_[i], abs=1e-12)
    vectors = [space.vector(n) for n in NAMES]
    for row, vector in zip(matrix.toarray(), vectors):
        assert {g: row[i] for g, i in vectorizer.vocabulary_.items() if row[i]} == pytest.approx(vector, abs=1e-12)
    expected = cosine_similarity(matrix)
    got = similarities(vectors)
    for i in range(len(NAMES)):
        for j in range(len(NAMES)):
            assert got[i][j] == pytest.approx(expected[i, j], abs=1e-12)


def test_n_grams_the_space_never_saw_are_left_out():
    space = TfidfSpace.fit(["Hamar", "Hamarregionen"], 2, 3)
    postings = Postings.of([space.vector("Hamar"), space.vector("Hamarregionen")])
    assert space.vector("xyz") == {} and postings.dots(space.vector("xyz")) == {}
    assert postings.dots(space.vector("Hamar"))[0] == pytest.approx(1.0)
    assert set(postings.dots(space.vector("Hamar"))) == {0, 1}
