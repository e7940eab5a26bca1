"""The read model every reader uses: census, patient summary, search, confidentiality."""
