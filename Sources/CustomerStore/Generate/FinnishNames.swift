/// Finnish first names, surnames, streets and towns (with postal codes) for synthetic customers.
enum FinnishNames {
    static let firstNames = [
        "Aino", "Eino", "Helmi", "Väinö", "Sofia", "Onni", "Emma", "Leo", "Aada", "Elias", "Olivia", "Oliver",
        "Eevi", "Toivo", "Lilja", "Eetu", "Venla", "Niilo", "Iida", "Aapo", "Pihla", "Lauri", "Siiri", "Juho",
        "Maija", "Matti", "Liisa", "Pekka", "Anneli", "Jukka", "Päivi", "Tuomas", "Sari", "Kari", "Tiina", "Jari",
        "Hannele", "Mikko", "Riikka", "Antti", "Kaisa", "Ville", "Johanna", "Heikki", "Sanna", "Timo", "Tuula", "Seppo",
        "Ilona", "Veeti", "Minea", "Jere", "Elsa", "Otso", "Kerttu", "Sulo", "Hilkka", "Ahti", "Ritva", "Yrjö",
    ]
    static let surnames = [
        "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen",
        "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Heikkilä", "Kinnunen",
        "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila",
        "Savolainen", "Lahtinen", "Ahonen", "Öhman", "Räsänen", "Kärkkäinen", "Pöllänen", "Väisänen", "Ylönen",
        "Björklund", "Lindqvist", "Åkerlund", "Söderberg",
    ]
    static let streets = [
        "Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Esplanadi", "Kauppakatu", "Rantatie", "Koulukatu",
        "Puistokatu", "Kirkkokatu", "Asemakatu", "Satamakatu", "Väinämöisenkatu", "Pohjoisesplanadi", "Koivukuja",
        "Mäntytie", "Kuusitie", "Järvenpääntie", "Läntinen Rantakatu", "Itäinen Pitkäkatu", "Yliopistonkatu",
    ]
    /// (postal code, town) pairs.
    static let towns: [(String, String)] = [
        ("00100", "Helsinki"), ("00530", "Helsinki"), ("02100", "Espoo"), ("01300", "Vantaa"), ("33100", "Tampere"),
        ("20100", "Turku"), ("90100", "Oulu"), ("40100", "Jyväskylä"), ("15110", "Lahti"), ("70100", "Kuopio"),
        ("28100", "Pori"), ("53100", "Lappeenranta"), ("13100", "Hämeenlinna"), ("65100", "Vaasa"),
        ("80100", "Joensuu"), ("44100", "Äänekoski"), ("96100", "Rovaniemi"), ("06100", "Porvoo"),
        ("22100", "Mariehamn"), ("68600", "Pietarsaari"),
    ]

    /// The name in plain ASCII for an email address: `Väinö` → `vaino`.
    static func asciiFolded(_ text: String) -> String {
        var result = ""
        for character in text.lowercased() {
            switch character {
            case "ä", "å": result.append("a")
            case "ö": result.append("o")
            case " ": result.append(".")
            default: result.append(character)
            }
        }
        return result
    }
}
