"""Teaching the classifier's rudeness model: from the licensed public sets and the desk's own decisions.

`gospablik train` and the weekly job use this package; the classifier itself only reads the weights it writes.
"""
