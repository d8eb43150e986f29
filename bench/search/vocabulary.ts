/**
 * The words the search benchmark writes its school's messages with. Messages are built from
 * slots (an opener, a subject, a thing, a time) so phrases like "science homework" recur the
 * way they do in a real school, plus a tail of everyday words picked with a Zipf-like skew
 * (a few very common, many rare), a few words in French and Spanish, and now and then one of
 * RARE_WORDS (made-up names, each in about fifty messages of a million).
 */

export const OPENERS = [
  "hi",
  "hello",
  "good morning",
  "hey",
  "dear parents",
  "reminder:",
  "quick question:",
  "thanks,",
  "sorry,",
  "hi all,",
  "ok",
  "please note",
  "just a reminder",
  "bonjour",
  "hola",
  "fyi",
  "good afternoon",
  "update:",
  "heads up:",
  "morning all,",
];

export const SUBJECTS = [
  "maths",
  "science",
  "history",
  "geography",
  "english",
  "french",
  "spanish",
  "art",
  "music",
  "pe",
  "biology",
  "chemistry",
  "physics",
  "drama",
  "computing",
  "religious studies",
  "design",
  "latin",
  "economics",
  "psychology",
];

export const THINGS = [
  "homework",
  "test",
  "quiz",
  "project",
  "worksheet",
  "essay",
  "presentation",
  "field trip",
  "report card",
  "permission slip",
  "exam",
  "lab report",
  "reading log",
  "assignment",
  "poster",
  "revision notes",
  "coursework",
  "parents evening",
  "timetable",
  "lunch menu",
  "uniform",
  "sports day",
  "assembly",
  "detention",
  "club meeting",
  "choir practice",
  "book fair",
  "science fair",
  "bake sale",
  "school play",
];

export const TIMES = [
  "tomorrow",
  "today",
  "on monday",
  "on tuesday",
  "on wednesday",
  "on thursday",
  "on friday",
  "next week",
  "this afternoon",
  "after lunch",
  "before the holidays",
  "at 8:30",
  "by friday",
  "after school",
  "this morning",
  "next term",
  "at the weekend",
  "tonight",
  "on the 15th",
  "before half term",
];

/** Everyday words, most common first: picked with a Zipf-like skew. */
export const TAIL = `the to and you is for please can we will be it in of on a at have
  this that with my your do not are all our class thanks thank if so me just get need about
  what when time from there any know one has been should would could see still here out up
  also more due bring remember check ask does did let they them their him her his she he
  back sure great well done good work really nice help question answer page book books pages
  chapter notes pencil pen calculator laptop tablet bag coat water bottle lunch break room
  teacher teachers student students parent parents mum dad office library gym hall canteen
  playground bus late early absent sick doctor appointment form forms email letter website
  portal login password marks grade grades score feedback deadline extension group partner
  team practice match game tournament concert rehearsal costume ticket tickets money payment
  trip museum zoo park beach farm castle theatre cinema gallery aquarium planetarium forest
  river mountain volcano earthquake weather rain snow sunny cold hot wind jacket umbrella boots
  maths fractions decimals percentages algebra equations graphs geometry angles triangles
  circles area volume probability statistics photosynthesis cells atoms molecules electricity
  magnets forces energy light sound plants animals habitats ecosystems evolution genetics
  romans egyptians vikings tudors victorians war revolution empire kings queens castles maps
  rivers continents countries capitals climate population poem poems novel story stories
  character characters paragraph spelling grammar punctuation vocabulary verbs nouns
  adjectives painting drawing sculpture clay paint brushes piano guitar violin drums singing
  football netball basketball hockey swimming running athletics tennis cricket rugby
  badminton volleyball gymnastics dance yoga chess robotics coding scratch python website
  app garden compost recycling charity fundraiser raffle prize prizes certificate award
  awards medal trophy photo photos picture pictures video videos slides printout handout
  stapler scissors glue ruler eraser sharpener folder binder notebook diary planner locker
  key keys badge lanyard tie blazer jumper shoes trainers socks hat gloves scarf mittens
  allergy medicine inhaler nurse plaster injury accident headache tummy fever cough cold
  flu vaccination lice chickenpox birthday party cake cupcakes sandwiches snacks fruit apple
  banana orange grapes juice milk pizza pasta soup salad rice chicken fish vegetarian vegan
  halal kosher gluten nuts dairy menu tray spoon fork napkin élève devoirs cahier cantine
  récréation professeur réunion sortie vacances rentrée bulletin lección tarea examen
  clase maestro escuela recreo excursión vacaciones cuaderno`
  .split(/\s+/)
  .filter(Boolean);

const RARE_START = [
  "zor",
  "quil",
  "bram",
  "vex",
  "talo",
  "mirn",
  "kesh",
  "pluv",
  "droz",
  "fenn",
  "glim",
  "hask",
  "jov",
  "krell",
  "lom",
  "nyx",
  "orb",
  "prax",
  "quen",
  "rusk",
  "sorv",
  "thal",
  "ulm",
  "varn",
  "wex",
  "yarl",
  "zeph",
  "brisk",
  "crum",
  "dwal",
  "elk",
  "frim",
  "grob",
  "hinx",
  "ivo",
  "jark",
  "kolb",
  "lurn",
  "morv",
  "nub",
];
const RARE_END = [
  "ax",
  "ello",
  "ington",
  "umbo",
  "ix",
  "osh",
  "ana",
  "etto",
  "ulus",
  "arby",
  "ink",
  "omp",
  "ezza",
  "andor",
  "iff",
  "ow",
  "usk",
  "elda",
  "ibo",
  "aster",
  "oon",
  "urt",
  "ava",
  "emy",
  "isco",
  "ond",
  "ule",
  "ard",
  "ippa",
  "olt",
  "ev",
  "ashi",
  "orn",
  "ulla",
  "ent",
  "ix",
  "aby",
  "esk",
  "unk",
  "oma",
  "ayne",
  "illo",
  "ubb",
  "eena",
  "osk",
  "arro",
  "imb",
  "uzz",
  "eph",
  "ook",
];

/** Made-up names, each one word: the rare words of the benchmark. */
export const RARE_WORDS = [...new Set(RARE_START.flatMap((s) => RARE_END.map((e) => s + e)))];
