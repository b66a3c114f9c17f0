// ConfParse (being written).
