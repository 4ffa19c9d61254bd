"""Short everyday sentences in French, German and Spanish with an English reference each.

Written for this project (plain present and past tenses, common words) so that a speech
translation model is tested on listening, not on rare vocabulary. One line per sentence:
English, French, German, Spanish.
"""

from __future__ import annotations

LANGUAGES = ("fr", "de", "es")

SENTENCES: tuple[tuple[str, str, str, str], ...] = (
    (
        "The train leaves at eight in the morning.",
        "Le train part à huit heures du matin.",
        "Der Zug fährt um acht Uhr morgens ab.",
        "El tren sale a las ocho de la mañana.",
    ),
    (
        "My sister lives in a small house near the sea.",
        "Ma sœur habite dans une petite maison près de la mer.",
        "Meine Schwester wohnt in einem kleinen Haus am Meer.",
        "Mi hermana vive en una casa pequeña cerca del mar.",
    ),
    (
        "We bought bread and cheese at the market.",
        "Nous avons acheté du pain et du fromage au marché.",
        "Wir haben Brot und Käse auf dem Markt gekauft.",
        "Compramos pan y queso en el mercado.",
    ),
    (
        "The museum is closed on Mondays.",
        "Le musée est fermé le lundi.",
        "Das Museum ist montags geschlossen.",
        "El museo está cerrado los lunes.",
    ),
    (
        "Can you help me carry these boxes?",
        "Peux-tu m'aider à porter ces boîtes ?",
        "Kannst du mir helfen, diese Kisten zu tragen?",
        "¿Puedes ayudarme a llevar estas cajas?",
    ),
    (
        "It rained all day yesterday.",
        "Il a plu toute la journée hier.",
        "Gestern hat es den ganzen Tag geregnet.",
        "Ayer llovió todo el día.",
    ),
    (
        "The children are playing in the garden.",
        "Les enfants jouent dans le jardin.",
        "Die Kinder spielen im Garten.",
        "Los niños juegan en el jardín.",
    ),
    (
        "I would like a cup of coffee, please.",
        "Je voudrais une tasse de café, s'il vous plaît.",
        "Ich hätte gern eine Tasse Kaffee, bitte.",
        "Quisiera una taza de café, por favor.",
    ),
    (
        "The doctor will see you in ten minutes.",
        "Le médecin vous recevra dans dix minutes.",
        "Der Arzt empfängt Sie in zehn Minuten.",
        "El médico le atenderá en diez minutos.",
    ),
    (
        "Our neighbours have a big black dog.",
        "Nos voisins ont un grand chien noir.",
        "Unsere Nachbarn haben einen großen schwarzen Hund.",
        "Nuestros vecinos tienen un perro negro grande.",
    ),
    (
        "She reads a book every week.",
        "Elle lit un livre chaque semaine.",
        "Sie liest jede Woche ein Buch.",
        "Ella lee un libro cada semana.",
    ),
    (
        "The shop opens at nine and closes at six.",
        "Le magasin ouvre à neuf heures et ferme à six heures.",
        "Das Geschäft öffnet um neun und schließt um sechs.",
        "La tienda abre a las nueve y cierra a las seis.",
    ),
    (
        "We are going to the mountains this summer.",
        "Nous allons à la montagne cet été.",
        "Wir fahren diesen Sommer in die Berge.",
        "Vamos a la montaña este verano.",
    ),
    (
        "The water in the lake is very cold.",
        "L'eau du lac est très froide.",
        "Das Wasser im See ist sehr kalt.",
        "El agua del lago está muy fría.",
    ),
    (
        "He forgot his keys at the office.",
        "Il a oublié ses clés au bureau.",
        "Er hat seine Schlüssel im Büro vergessen.",
        "Olvidó sus llaves en la oficina.",
    ),
    (
        "Where is the nearest train station?",
        "Où est la gare la plus proche ?",
        "Wo ist der nächste Bahnhof?",
        "¿Dónde está la estación de tren más cercana?",
    ),
    (
        "My father cooks dinner on Sundays.",
        "Mon père prépare le dîner le dimanche.",
        "Mein Vater kocht sonntags das Abendessen.",
        "Mi padre prepara la cena los domingos.",
    ),
    (
        "The meeting starts in half an hour.",
        "La réunion commence dans une demi-heure.",
        "Die Besprechung beginnt in einer halben Stunde.",
        "La reunión empieza en media hora.",
    ),
    (
        "I need a new pair of shoes.",
        "J'ai besoin d'une nouvelle paire de chaussures.",
        "Ich brauche ein neues Paar Schuhe.",
        "Necesito un par de zapatos nuevos.",
    ),
    (
        "The bus was late this morning.",
        "Le bus était en retard ce matin.",
        "Der Bus hatte heute Morgen Verspätung.",
        "El autobús llegó tarde esta mañana.",
    ),
    (
        "They live on the third floor.",
        "Ils habitent au troisième étage.",
        "Sie wohnen im dritten Stock.",
        "Viven en el tercer piso.",
    ),
    (
        "Please close the window, it is cold.",
        "Ferme la fenêtre, s'il te plaît, il fait froid.",
        "Mach bitte das Fenster zu, es ist kalt.",
        "Cierra la ventana, por favor, hace frío.",
    ),
    (
        "The library has many old books.",
        "La bibliothèque a beaucoup de vieux livres.",
        "Die Bibliothek hat viele alte Bücher.",
        "La biblioteca tiene muchos libros antiguos.",
    ),
    (
        "We eat lunch at noon.",
        "Nous déjeunons à midi.",
        "Wir essen um zwölf Uhr zu Mittag.",
        "Comemos a mediodía.",
    ),
    (
        "The cat is sleeping on the sofa.",
        "Le chat dort sur le canapé.",
        "Die Katze schläft auf dem Sofa.",
        "El gato duerme en el sofá.",
    ),
    (
        "I have two brothers and one sister.",
        "J'ai deux frères et une sœur.",
        "Ich habe zwei Brüder und eine Schwester.",
        "Tengo dos hermanos y una hermana.",
    ),
    (
        "The flowers in the park are beautiful.",
        "Les fleurs du parc sont belles.",
        "Die Blumen im Park sind schön.",
        "Las flores del parque son bonitas.",
    ),
    (
        "How much does this jacket cost?",
        "Combien coûte cette veste ?",
        "Wie viel kostet diese Jacke?",
        "¿Cuánto cuesta esta chaqueta?",
    ),
    (
        "The road to the village is long.",
        "La route du village est longue.",
        "Der Weg zum Dorf ist lang.",
        "El camino al pueblo es largo.",
    ),
    (
        "My phone does not work anymore.",
        "Mon téléphone ne marche plus.",
        "Mein Handy funktioniert nicht mehr.",
        "Mi teléfono ya no funciona.",
    ),
    (
        "The teacher explains the lesson again.",
        "Le professeur explique la leçon encore une fois.",
        "Der Lehrer erklärt die Lektion noch einmal.",
        "El profesor explica la lección otra vez.",
    ),
    (
        "We watched a film at the cinema.",
        "Nous avons regardé un film au cinéma.",
        "Wir haben im Kino einen Film gesehen.",
        "Vimos una película en el cine.",
    ),
    (
        "The kitchen is next to the living room.",
        "La cuisine est à côté du salon.",
        "Die Küche ist neben dem Wohnzimmer.",
        "La cocina está al lado del salón.",
    ),
    (
        "He runs in the park every morning.",
        "Il court dans le parc tous les matins.",
        "Er läuft jeden Morgen im Park.",
        "Corre en el parque todas las mañanas.",
    ),
    (
        "The soup is too hot to eat.",
        "La soupe est trop chaude pour être mangée.",
        "Die Suppe ist zu heiß zum Essen.",
        "La sopa está demasiado caliente para comer.",
    ),
    (
        "I am learning to play the piano.",
        "J'apprends à jouer du piano.",
        "Ich lerne Klavier spielen.",
        "Estoy aprendiendo a tocar el piano.",
    ),
    (
        "The plane lands at four in the afternoon.",
        "L'avion atterrit à quatre heures de l'après-midi.",
        "Das Flugzeug landet um vier Uhr nachmittags.",
        "El avión aterriza a las cuatro de la tarde.",
    ),
    (
        "Our hotel is in the centre of the city.",
        "Notre hôtel est au centre de la ville.",
        "Unser Hotel liegt im Stadtzentrum.",
        "Nuestro hotel está en el centro de la ciudad.",
    ),
    (
        "The baby is sleeping, so please be quiet.",
        "Le bébé dort, alors soyez silencieux, s'il vous plaît.",
        "Das Baby schläft, also seid bitte leise.",
        "El bebé está durmiendo, así que por favor haced silencio.",
    ),
    (
        "My grandmother makes the best apple cake.",
        "Ma grand-mère fait le meilleur gâteau aux pommes.",
        "Meine Großmutter backt den besten Apfelkuchen.",
        "Mi abuela hace la mejor tarta de manzana.",
    ),
)
