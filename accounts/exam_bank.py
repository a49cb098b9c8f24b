# ruff: noqa: RUF001 -- the questions use mathematical notation (minus and multiplication signs) on purpose
"""The seeded qualification exams: one per domain, each with a bank larger than an attempt draws.

Choice questions give their options in order and the zero-based indexes of the correct ones. Free-text
questions carry guidance for the staff who grade them. ``exam_bank_sync`` creates an exam that does not
exist yet (by slug) together with its questions, and leaves existing exams alone, so edits made by
staff in the admin are kept and running it again changes nothing.
"""

SINGLE, MULTIPLE, FREE_TEXT = "single", "multiple", "free_text"

COMMON = {
    "pass_mark": 70,
    "time_limit_minutes": 30,
    "retake_cooldown_days": 14,
    "questions_per_attempt": 8,
    "level_awarded": 2,  # Level.PROFESSIONAL
    "qualification_valid_days": 730,
}

EXAMS: list[dict] = [
    {
        "slug": "physics-professional",
        "domain": "physics",
        "title": "Physics: professional qualification",
        "description": (
            "University-level physics: units and dimensional analysis, conservation laws, quantum mechanics,"
            " thermodynamics and statistical physics, electromagnetism and relativity."
        ),
        "questions": [
            {
                "kind": SINGLE,
                "prompt": "Which combination of SI base units is equivalent to the joule?",
                "choices": ["kg·m·s⁻²", "kg·m²·s⁻²", "kg·m²·s⁻¹", "kg·m²·s⁻³"],
                "correct": [1],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "The period T of a simple pendulum (small oscillations) can depend only on its length L, the"
                    " mass m of the bob and the gravitational acceleration g. Dimensional analysis alone shows"
                    " that T is proportional to:"
                ),
                "choices": ["√(g/L)", "√(mL/g)", "√(L/g)", "L/g"],
                "correct": [2],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "A 2 kg cart moving at 3 m/s collides with a stationary 1 kg cart on a frictionless track, and"
                    " the two stick together. What fraction of the initial kinetic energy is lost in the collision?"
                ),
                "choices": [
                    "One third",
                    "One half",
                    "Two thirds",
                    "None: kinetic energy is conserved in every collision",
                ],
                "correct": [0],
            },
            {
                "kind": MULTIPLE,
                "prompt": (
                    "A satellite follows an elliptical orbit around a planet so much heavier that the planet can"
                    " be taken as fixed; no force other than the planet's gravity acts. Which of these are constant"
                    " along the orbit?"
                ),
                "choices": [
                    "The satellite's speed",
                    "The satellite's angular momentum about the planet's centre",
                    "The satellite's linear momentum",
                    "The satellite's total mechanical energy (kinetic plus gravitational potential)",
                ],
                "correct": [1, 3],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "For a particle in a one-dimensional infinite square well, the energy of the level with"
                    " quantum number n (n = 1, 2, 3, …) is proportional to:"
                ),
                "choices": ["n", "√n", "1/n²", "n²"],
                "correct": [3],
            },
            {
                "kind": SINGLE,
                "prompt": "In one dimension, the commutator [x̂, p̂] of the position and momentum operators equals:",
                "choices": ["0", "iħ", "−iħ", "ħ/2"],
                "correct": [1],
            },
            {
                "kind": MULTIPLE,
                "prompt": "Which statements hold for every Hermitian operator on a finite-dimensional Hilbert space?",
                "choices": [
                    "Its eigenvalues are real.",
                    "Eigenvectors belonging to distinct eigenvalues are orthogonal.",
                    "It commutes with every other Hermitian operator on the same space.",
                    "It can be diagonalized by a unitary transformation.",
                ],
                "correct": [0, 1, 3],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "An ideal gas expands freely into a vacuum inside a rigid, thermally insulated container"
                    " (Joule expansion). Which statement is true?"
                ),
                "choices": [
                    "Its temperature falls and its entropy stays the same.",
                    "Its temperature and its entropy both stay the same.",
                    "Its temperature stays the same and its entropy increases.",
                    "Its temperature rises and its entropy increases.",
                ],
                "correct": [2],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "A reversible (Carnot) engine works between a hot reservoir at 500 K and a cold reservoir at"
                    " 300 K. What is its efficiency?"
                ),
                "choices": ["40%", "60%", "67%", "100%"],
                "correct": [0],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "By the equipartition theorem, what is the mean energy per molecule of a classical ideal"
                    " diatomic gas at room temperature, where translation and rotation are excited but vibration"
                    " is frozen out? (k is Boltzmann's constant, T the temperature.)"
                ),
                "choices": ["3/2 kT", "5/2 kT", "7/2 kT", "3 kT"],
                "correct": [1],
            },
            {
                "kind": MULTIPLE,
                "prompt": (
                    "According to Maxwell's equations, which statements hold for electromagnetic fields in vacuum?"
                ),
                "choices": [
                    "The divergence of the magnetic field is zero everywhere.",
                    "Electromagnetic waves travel at c = 1/√(μ₀ε₀).",
                    "The speed of the waves depends on the speed of their source.",
                    "In a plane wave, the electric and magnetic fields are perpendicular to each other and to"
                    " the direction of propagation.",
                ],
                "correct": [0, 1, 3],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "Muons at rest have a mean lifetime of 2.2 μs. What mean lifetime is measured in the laboratory"
                    " for muons moving at 0.8c?"
                ),
                "choices": ["1.3 μs", "1.8 μs", "2.2 μs", "3.7 μs"],
                "correct": [3],
            },
            {
                "kind": FREE_TEXT,
                "prompt": (
                    "A figure skater spinning on the spot pulls her arms in and spins faster. Explain why, using a"
                    " conservation law. Then say whether her rotational kinetic energy increases, decreases or stays"
                    " the same, and where any change comes from."
                ),
                "guidance": (
                    "4 points, one for each of: (1) angular momentum L = Iω about the vertical axis is conserved"
                    " because no significant external torque acts (ice friction negligible); (2) pulling the arms"
                    " in reduces the moment of inertia I, so ω rises; (3) the kinetic energy L²/(2I) therefore"
                    " increases; (4) the extra energy is work done by her muscles pulling the arms inward (against"
                    " the tendency of the arms to fly outward). An answer claiming kinetic energy is conserved"
                    " loses points 3 and 4."
                ),
            },
            {
                "kind": FREE_TEXT,
                "prompt": (
                    "A student says the uncertainty relation Δx·Δp ≥ ħ/2 only expresses how clumsy measuring"
                    " instruments disturb a particle. Explain what is wrong with this claim, and give one"
                    " experimentally observable consequence of the relation."
                ),
                "guidance": (
                    "4 points. Up to 3 for the explanation: the relation is a property of the quantum state itself,"
                    " not of the apparatus; it follows from the non-commuting operators x̂ and p̂ (Robertson"
                    " relation) or from position and momentum wave functions being Fourier transforms of each other;"
                    " Δx and Δp are spreads over an ensemble of identically prepared systems, each measured once;"
                    " measurement disturbance is a separate question. 1 point for a valid consequence, e.g."
                    " zero-point energy (harmonic-oscillator ground state ħω/2; helium stays liquid at normal"
                    " pressure near absolute zero), the finite size and stability of atoms, or the spreading of a"
                    " beam after a narrow slit."
                ),
            },
        ],
    },
    {
        "slug": "mathematics-professional",
        "domain": "mathematics",
        "title": "Mathematics: professional qualification",
        "description": (
            "University-level mathematics: real analysis, linear algebra, probability, algebra and set theory,"
            " with two short proofs."
        ),
        "questions": [
            {
                "kind": SINGLE,
                "prompt": "What is the limit of (sin x − x) / x³ as x tends to 0?",
                "choices": ["0", "1/6", "−1/6", "−1/3"],
                "correct": [2],
            },
            {
                "kind": SINGLE,
                "prompt": "Which of these series converges?",
                "choices": ["Σ 1/n (n ≥ 1)", "Σ 1/(n ln n) (n ≥ 2)", "Σ 1/√n (n ≥ 1)", "Σ 1/n^(3/2) (n ≥ 1)"],
                "correct": [3],
            },
            {
                "kind": MULTIPLE,
                "prompt": "Let f : [0, 1] → ℝ be continuous. Which statements are necessarily true?",
                "choices": [
                    "f is bounded and attains its maximum.",
                    "f is uniformly continuous.",
                    "f is differentiable at some point of (0, 1).",
                    "f is Riemann integrable on [0, 1].",
                ],
                "correct": [0, 1, 3],
            },
            {
                "kind": SINGLE,
                "prompt": "A real 3 × 3 matrix A has eigenvalues 1, 2 and 3. What is det(A²)?",
                "choices": ["6", "12", "14", "36"],
                "correct": [3],
            },
            {
                "kind": MULTIPLE,
                "prompt": "Let A be a real n × n matrix. Which conditions are each equivalent to A being invertible?",
                "choices": [
                    "det A ≠ 0",
                    "A is symmetric",
                    "The columns of A are linearly independent",
                    "0 is not an eigenvalue of A",
                ],
                "correct": [0, 2, 3],
            },
            {
                "kind": SINGLE,
                "prompt": "A real 4 × 6 matrix has rank 4. What is the dimension of its null space?",
                "choices": ["0", "2", "4", "6"],
                "correct": [1],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "Two fair six-sided dice are rolled. Given that at least one of them shows a six, what is the"
                    " probability that both show a six?"
                ),
                "choices": ["1/36", "1/12", "1/11", "1/6"],
                "correct": [2],
            },
            {
                "kind": SINGLE,
                "prompt": "X and Y are independent and each uniformly distributed on [0, 1]. What is Var(X + Y)?",
                "choices": ["1/6", "1/12", "1/4", "1/3"],
                "correct": [0],
            },
            {
                "kind": MULTIPLE,
                "prompt": "Which of these hold for every pair of events A and B with P(B) > 0?",
                "choices": [
                    "P(A ∩ B) = P(A | B) · P(B)",
                    "P(A ∪ B) = P(A) + P(B)",
                    "P(A | B) ≤ P(A)",
                    "P(A ∪ B) ≤ P(A) + P(B)",
                ],
                "correct": [0, 3],
            },
            {
                "kind": SINGLE,
                "prompt": "X has a Poisson distribution with mean λ. What is E[X(X − 1)]?",
                "choices": ["λ", "λ²", "λ(λ − 1)", "λ² + λ"],
                "correct": [1],
            },
            {
                "kind": SINGLE,
                "prompt": "How many elements of order 2 does the symmetric group S₃ have?",
                "choices": ["1", "2", "3", "6"],
                "correct": [2],
            },
            {
                "kind": MULTIPLE,
                "prompt": "Which of these sets are countable?",
                "choices": [
                    "The rational numbers ℚ",
                    "The real numbers in [0, 1]",
                    "The set of all finite strings over the alphabet {0, 1}",
                    "The set of all subsets of ℕ",
                ],
                "correct": [0, 2],
            },
            {
                "kind": FREE_TEXT,
                "prompt": "Prove that every convergent sequence of real numbers is bounded.",
                "guidance": (
                    "4 points. (1) Uses the definition of convergence with a fixed ε, e.g. ε = 1: there is N with"
                    " |aₙ − L| < 1 for all n ≥ N. (2) Deduces |aₙ| < |L| + 1 for n ≥ N (triangle inequality)."
                    " (3) Handles the finitely many earlier terms: M = max(|a₁|, …, |a_{N−1}|, |L| + 1)."
                    " (4) Concludes |aₙ| ≤ M for all n, with the argument complete and clearly written. Deduct a"
                    " point for forgetting the first N − 1 terms or for letting N depend on n."
                ),
            },
            {
                "kind": FREE_TEXT,
                "prompt": (
                    "Let A be a real symmetric n × n matrix. Show that eigenvectors of A belonging to distinct"
                    " eigenvalues are orthogonal."
                ),
                "guidance": (
                    "4 points. (1) Sets up Av = λv and Aw = μw with v, w ≠ 0 and λ ≠ μ. (2) Uses symmetry:"
                    " ⟨Av, w⟩ = ⟨v, Aw⟩ (because Aᵀ = A). (3) Hence λ⟨v, w⟩ = μ⟨v, w⟩, i.e. (λ − μ)⟨v, w⟩ = 0."
                    " (4) Since λ ≠ μ, ⟨v, w⟩ = 0. Equivalent matrix notation (vᵀAw computed two ways) earns full"
                    " marks. An answer that assumes the conclusion or only checks an example earns at most 1."
                ),
            },
        ],
    },
    {
        "slug": "law-professional",
        "domain": "law",
        "title": "Law: professional qualification (common law)",
        "description": (
            "Common-law principles: contract formation, consideration, negligence, precedent and the burden and"
            " standard of proof. Unless a question says otherwise, the law is that of England and Wales; questions"
            " on United States law say so."
        ),
        "questions": [
            {
                "kind": SINGLE,
                "prompt": (
                    "England and Wales. Which of these is generally treated as an offer, rather than an invitation"
                    " to treat?"
                ),
                "choices": [
                    "Goods displayed with a price on a self-service shop's shelves",
                    "A newspaper advertisement of goods for sale at a stated price",
                    "An advertisement promising a reward to anyone who performs a stated act, as in Carlill v"
                    " Carbolic Smoke Ball Co",
                    "An auctioneer's request for bids",
                ],
                "correct": [2],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "England and Wales. Under the postal rule (Adams v Lindsell), where use of the post is"
                    " reasonable and not excluded by the offer, a letter of acceptance takes effect:"
                ),
                "choices": [
                    "When the offeror receives it",
                    "When it is posted",
                    "When the offeror reads it",
                    "When the offeree decides to accept",
                ],
                "correct": [1],
            },
            {
                "kind": SINGLE,
                "prompt": "England and Wales. Which statement about consideration is correct?",
                "choices": [
                    "Consideration must be adequate: roughly equal in value to the promise it buys.",
                    "Past consideration is always good consideration.",
                    "A promise made by deed is unenforceable without consideration.",
                    "Consideration must be sufficient but need not be adequate.",
                ],
                "correct": [3],
            },
            {
                "kind": MULTIPLE,
                "prompt": (
                    "In the tort of negligence (England and Wales; the elements are the same in the United States),"
                    " which must a claimant establish?"
                ),
                "choices": [
                    "The defendant owed the claimant a duty of care.",
                    "The defendant breached that duty.",
                    "The defendant intended to cause harm.",
                    "The breach caused damage that is not too remote.",
                ],
                "correct": [0, 1, 3],
            },
            {
                "kind": SINGLE,
                "prompt": "England and Wales. In a criminal trial, the prosecution must prove the defendant's guilt:",
                "choices": [
                    "On the balance of probabilities",
                    "By clear and convincing evidence",
                    "Beyond reasonable doubt, so that the jury is sure",
                    "To the level of reasonable suspicion",
                ],
                "correct": [2],
            },
            {
                "kind": SINGLE,
                "prompt": "United States. In most federal civil cases, the plaintiff must prove their claim:",
                "choices": [
                    "By a preponderance of the evidence",
                    "Beyond a reasonable doubt",
                    "By clear and convincing evidence",
                    "To the level of probable cause",
                ],
                "correct": [0],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "England and Wales. Under the doctrine of precedent (stare decisis), which part of a judgment"
                    " binds lower courts?"
                ),
                "choices": [
                    "The obiter dicta",
                    "The ratio decidendi",
                    "Any dissenting judgment",
                    "The summary of counsel's arguments",
                ],
                "correct": [1],
            },
            {
                "kind": MULTIPLE,
                "prompt": "England and Wales. Which of these generally bring an offer to an end?",
                "choices": [
                    "A revocation communicated to the offeree before acceptance (Byrne v Van Tienhoven)",
                    "A counter-offer by the offeree (Hyde v Wrench)",
                    "A mere request for information about the terms (Stevenson, Jacques & Co v McLean)",
                    "Lapse of a reasonable time when the offer states no time limit",
                ],
                "correct": [0, 1, 3],
            },
            {
                "kind": SINGLE,
                "prompt": "At common law, the 'mirror image' rule means that:",
                "choices": [
                    "Both parties must sign identical copies of the contract.",
                    "A contract must be in writing to be enforceable.",
                    "The offeror must accept any reasonable change the offeree proposes.",
                    "An acceptance must match the offer's terms exactly; otherwise it is a counter-offer.",
                ],
                "correct": [3],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "United States. Under UCC § 2-201, a contract for the sale of goods for a price of $500 or more"
                    " is, subject to exceptions, not enforceable unless:"
                ),
                "choices": [
                    "It is notarized.",
                    "Both parties are merchants.",
                    "There is a writing sufficient to indicate a contract, signed by the party against whom"
                    " enforcement is sought.",
                    "The offer was made in writing.",
                ],
                "correct": [2],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "England and Wales. A seller promises, without receiving anything in return, to keep an offer"
                    " open for a week. Before the week is out:"
                ),
                "choices": [
                    "The seller may revoke the offer, provided the revocation is communicated before acceptance"
                    " (Routledge v Grant).",
                    "The seller is bound to keep the offer open until the week ends.",
                    "The offer can be revoked only by a court order.",
                    "The offer can be revoked only if the buyer is a consumer.",
                ],
                "correct": [0],
            },
            {
                "kind": MULTIPLE,
                "prompt": (
                    "England and Wales. Which statements about the burden of proof in criminal cases are correct?"
                ),
                "choices": [
                    "The legal burden of proving guilt rests on the prosecution throughout (Woolmington v DPP).",
                    "A statute may place a reverse burden on the defendant for some defences.",
                    "A defendant who pleads insanity bears the legal burden of proving it on the balance of"
                    " probabilities.",
                    "A defendant who raises self-defence must prove it beyond reasonable doubt.",
                ],
                "correct": [0, 1, 2],
            },
            {
                "kind": FREE_TEXT,
                "prompt": (
                    "England and Wales. On Friday, Alice posts Bob a letter offering to sell him her car for £5,000,"
                    " saying the offer is open for a week. Bob posts his acceptance on Monday. On Tuesday, before"
                    " Bob's letter arrives, Alice telephones Bob and tells him she withdraws the offer. Bob's letter"
                    " reaches Alice on Wednesday. Is there a contract? Explain with reference to the relevant rules"
                    " and authorities."
                ),
                "guidance": (
                    "4 points, one for each of: (1) the postal rule (Adams v Lindsell; Household Fire Insurance v"
                    " Grant): acceptance is complete on posting, Monday; (2) its conditions: post was a reasonable"
                    " means (the offer itself came by post) and the offer did not exclude it (Holwell Securities v"
                    " Hughes); (3) a revocation takes effect only when communicated (Byrne v Van Tienhoven; the"
                    " postal rule does not apply to revocations), so Tuesday's call came after acceptance; the"
                    " promise to keep the offer open is irrelevant here (no consideration: Routledge v Grant);"
                    " (4) conclusion: a contract was formed on Monday and Alice is bound."
                ),
            },
            {
                "kind": FREE_TEXT,
                "prompt": (
                    "Explain the difference between the legal (persuasive) burden and the evidential burden of"
                    " proof, with an example from the criminal law of England and Wales or of the United States."
                ),
                "guidance": (
                    "4 points. (1) Legal burden: the obligation to prove a fact in issue to the required standard;"
                    " the party bearing it loses on that issue if the tribunal is not persuaded. (2) Evidential"
                    " burden: the obligation to adduce enough evidence to make an issue live, so that it goes to"
                    " the tribunal of fact; it decides whether an issue is considered at all. (3) A correct example,"
                    " e.g. self-defence in England and Wales: the defendant bears only the evidential burden; once"
                    " raised, the prosecution bears the legal burden of disproving it beyond reasonable doubt (or a"
                    " US affirmative defence, stated with the jurisdiction's allocation). (4) Clarity and accuracy"
                    " throughout, including naming who bears which burden."
                ),
            },
        ],
    },
    {
        "slug": "medicine-professional",
        "domain": "medicine",
        "title": "Medicine: professional qualification",
        "description": (
            "Clinical medicine at the level of a qualified doctor: acute care, pharmacology, physiology,"
            " microbiology and the interpretation of diagnostic tests. Doses and thresholds follow current UK"
            " guidance (NICE, BNF, Resuscitation Council UK)."
        ),
        "questions": [
            {
                "kind": SINGLE,
                "prompt": (
                    "A 58-year-old man has had crushing central chest pain for 40 minutes. His ECG shows ST"
                    " elevation in leads II, III and aVF. Which artery is most likely occluded?"
                ),
                "choices": [
                    "Left anterior descending artery",
                    "Right coronary artery",
                    "Left main stem",
                    "First diagonal branch",
                ],
                "correct": [1],
            },
            {
                "kind": SINGLE,
                "prompt": "What is the first-line drug treatment of anaphylaxis in an adult?",
                "choices": [
                    "Chlorphenamine 10 mg intravenously",
                    "Hydrocortisone 200 mg intravenously",
                    "Adrenaline 0.5 mg (0.5 mL of 1 mg/mL) intramuscularly",
                    "Nebulised salbutamol 5 mg",
                ],
                "correct": [2],
            },
            {
                "kind": MULTIPLE,
                "prompt": "Which of these are part of the diagnostic criteria for diabetic ketoacidosis?",
                "choices": [
                    "Hyperglycaemia, or known diabetes mellitus",
                    "Ketonaemia (or significant ketonuria)",
                    "A primary respiratory alkalosis",
                    "Metabolic acidosis: low bicarbonate and/or venous pH below 7.3",
                ],
                "correct": [0, 1, 3],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "Which pattern of results is characteristic of the syndrome of inappropriate antidiuretic"
                    " hormone secretion (SIADH)?"
                ),
                "choices": [
                    "Hyponatraemia, low serum osmolality and inappropriately concentrated urine in a euvolaemic"
                    " patient",
                    "Hypernatraemia with large volumes of dilute urine",
                    "Hyperkalaemia with a metabolic acidosis",
                    "Hyponatraemia with clinical signs of dehydration and a urinary sodium below 20 mmol/L",
                ],
                "correct": [0],
            },
            {
                "kind": SINGLE,
                "prompt": "Protamine sulfate reverses the anticoagulant effect of which drug?",
                "choices": ["Warfarin", "Dabigatran", "Unfractionated heparin", "Apixaban"],
                "correct": [2],
            },
            {
                "kind": SINGLE,
                "prompt": "Warfarin exerts its anticoagulant effect by inhibiting:",
                "choices": [
                    "Thrombin directly",
                    "Factor Xa directly",
                    "Antithrombin",
                    "Vitamin K epoxide reductase",
                ],
                "correct": [3],
            },
            {
                "kind": MULTIPLE,
                "prompt": "Which of these are components of the CURB-65 score for community-acquired pneumonia?",
                "choices": [
                    "New confusion",
                    "Urea above 7 mmol/L",
                    "Heart rate above 100 per minute",
                    "Respiratory rate of 30 per minute or more",
                    "Age 65 years or older",
                    "Oxygen saturation below 92%",
                ],
                "correct": [0, 1, 3, 4],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "A blood culture grows Gram-positive cocci in clusters that are catalase-positive and"
                    " coagulase-positive. The most likely organism is:"
                ),
                "choices": [
                    "Streptococcus pyogenes",
                    "Staphylococcus epidermidis",
                    "Staphylococcus aureus",
                    "Enterococcus faecalis",
                ],
                "correct": [2],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "A test with 90% sensitivity and 90% specificity is used where the disease has a prevalence of"
                    " 1%. Approximately what is its positive predictive value?"
                ),
                "choices": ["90%", "About 50%", "About 8%", "About 1%"],
                "correct": [2],
            },
            {
                "kind": MULTIPLE,
                "prompt": "Which of these cause a metabolic acidosis with a raised anion gap?",
                "choices": [
                    "Diabetic ketoacidosis",
                    "Severe diarrhoea",
                    "Lactic acidosis",
                    "Methanol poisoning",
                    "Renal tubular acidosis",
                ],
                "correct": [0, 2, 3],
            },
            {
                "kind": SINGLE,
                "prompt": "In adult basic life support, what chest compression depth do current guidelines recommend?",
                "choices": ["2–3 cm", "5–6 cm", "8–10 cm", "As deep as possible, without an upper limit"],
                "correct": [1],
            },
            {
                "kind": SINGLE,
                "prompt": (
                    "A patient has ptosis, a fixed dilated pupil and an eye resting 'down and out'. Which cranial"
                    " nerve is most likely affected?"
                ),
                "choices": [
                    "Trochlear nerve (IV)",
                    "Abducens nerve (VI)",
                    "Oculomotor nerve (III)",
                    "Facial nerve (VII)",
                ],
                "correct": [2],
            },
            {
                "kind": FREE_TEXT,
                "prompt": (
                    "A 70-year-old woman taking warfarin for atrial fibrillation has an INR of 8.5 on a routine"
                    " check. She has no bleeding. Outline your management and the reasoning behind it."
                ),
                "guidance": (
                    "4 points, following UK guidance (BNF): (1) stop warfarin; (2) give vitamin K"
                    " (phytomenadione) 1–5 mg by mouth, because the INR is above 8 without bleeding; no"
                    " prothrombin complex concentrate or fresh frozen plasma, which are for major bleeding;"
                    " (3) recheck the INR within 24 hours (more vitamin K if still too high) and restart warfarin"
                    " at a reviewed dose once the INR is below 5; (4) look for the cause (interacting drugs such"
                    " as antibiotics, intercurrent illness, alcohol, dosing errors, adherence) and review the"
                    " indication and bleeding risk. Deduct a point for unnecessary intravenous reversal."
                ),
            },
            {
                "kind": FREE_TEXT,
                "prompt": (
                    "Define sensitivity, specificity and positive predictive value, and explain why the positive"
                    " predictive value of a screening test falls when it is used in a population where the disease"
                    " is rare."
                ),
                "guidance": (
                    "4 points. (1) Sensitivity: the proportion of people with the disease who test positive,"
                    " TP / (TP + FN). (2) Specificity: the proportion without the disease who test negative,"
                    " TN / (TN + FP). (3) PPV: the proportion of positive results that are true positives,"
                    " TP / (TP + FP). (4) When prevalence is low, even a small false-positive rate applied to the"
                    " large disease-free group yields more false positives than there are true positives, so PPV"
                    " falls although sensitivity and specificity are unchanged (a worked example or Bayes' theorem"
                    " earns this point)."
                ),
            },
        ],
    },
]

POINTS = {SINGLE: 1, MULTIPLE: 2, FREE_TEXT: 4}


def exam_bank_sync(*, Exam, ExamQuestion, Domain) -> int:
    """Create the seeded exams missing from the database (by slug); return how many were created."""
    created = 0
    for spec in EXAMS:
        if Exam.objects.filter(slug=spec["slug"]).exists():
            continue
        domain = Domain.objects.filter(slug=spec["domain"]).first()
        if domain is None:
            continue
        exam = Exam.objects.create(
            domain=domain, slug=spec["slug"], title=spec["title"], description=spec["description"], **COMMON
        )
        ExamQuestion.objects.bulk_create(
            ExamQuestion(
                exam=exam,
                kind=question["kind"],
                prompt=question["prompt"],
                choices=question.get("choices", []),
                correct=question.get("correct", []),
                guidance=question.get("guidance", ""),
                points=POINTS[question["kind"]],
            )
            for question in spec["questions"]
        )
        created += 1
    return created
