"""The seeded taxonomy of expertise: twelve domains, each with a few sub-domains.

Slugs are stable identifiers (requirements refer to them); names can be edited in the admin.
``taxonomy_sync`` adds what is missing and never deletes, so it is safe to run again.
"""

TAXONOMY: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "mathematics",
        "Mathematics",
        [
            ("algebra", "Algebra"),
            ("analysis", "Analysis"),
            ("geometry-topology", "Geometry and topology"),
            ("probability-statistics", "Probability and statistics"),
            ("discrete-mathematics", "Discrete mathematics"),
        ],
    ),
    (
        "physics",
        "Physics",
        [
            ("classical-mechanics", "Classical mechanics"),
            ("quantum-mechanics", "Quantum mechanics"),
            ("condensed-matter", "Condensed matter"),
            ("astrophysics", "Astrophysics and cosmology"),
            ("particle-physics", "Particle physics"),
        ],
    ),
    (
        "chemistry",
        "Chemistry",
        [
            ("organic-chemistry", "Organic chemistry"),
            ("inorganic-chemistry", "Inorganic chemistry"),
            ("physical-chemistry", "Physical chemistry"),
            ("analytical-chemistry", "Analytical chemistry"),
        ],
    ),
    (
        "biology",
        "Biology",
        [
            ("molecular-biology", "Molecular biology"),
            ("genetics", "Genetics"),
            ("ecology", "Ecology"),
            ("neuroscience", "Neuroscience"),
        ],
    ),
    (
        "medicine",
        "Medicine",
        [
            ("internal-medicine", "Internal medicine"),
            ("cardiology", "Cardiology"),
            ("oncology", "Oncology"),
            ("pediatrics", "Pediatrics"),
            ("pharmacology", "Pharmacology"),
            ("psychiatry", "Psychiatry"),
        ],
    ),
    (
        "law",
        "Law",
        [
            ("contract-law", "Contract law"),
            ("corporate-law", "Corporate law"),
            ("criminal-law", "Criminal law"),
            ("intellectual-property", "Intellectual property"),
            ("international-law", "International law"),
        ],
    ),
    (
        "finance",
        "Finance",
        [
            ("accounting", "Accounting"),
            ("corporate-finance", "Corporate finance"),
            ("investment-management", "Investment management"),
            ("financial-regulation", "Financial regulation"),
        ],
    ),
    (
        "software-engineering",
        "Software engineering",
        [
            ("backend-systems", "Backend systems"),
            ("frontend-development", "Frontend development"),
            ("distributed-systems", "Distributed systems"),
            ("security-engineering", "Security engineering"),
            ("programming-languages", "Programming languages and compilers"),
        ],
    ),
    (
        "data-science",
        "Data science",
        [
            ("machine-learning", "Machine learning"),
            ("statistical-modelling", "Statistical modelling"),
            ("data-engineering", "Data engineering"),
            ("causal-inference", "Causal inference"),
        ],
    ),
    (
        "creative-writing",
        "Creative writing",
        [
            ("poetry", "Poetry"),
            ("fiction", "Fiction"),
            ("screenwriting", "Screenwriting"),
            ("nonfiction", "Creative nonfiction"),
        ],
    ),
    (
        "languages-translation",
        "Languages and translation",
        [
            ("translation", "Translation"),
            ("interpreting", "Interpreting"),
            ("linguistics", "Linguistics"),
            ("localization", "Localization"),
        ],
    ),
    (
        "education",
        "Education",
        [
            ("curriculum-design", "Curriculum design"),
            ("k12-teaching", "Primary and secondary teaching"),
            ("higher-education", "Higher education teaching"),
            ("assessment", "Assessment design"),
        ],
    ),
]


def taxonomy_sync(domain_model) -> int:
    """Create the domains that do not exist yet (by slug); return how many were created."""
    created = 0
    for slug, name, children in TAXONOMY:
        parent, made = domain_model.objects.get_or_create(slug=slug, defaults={"name": name})
        created += made
        for child_slug, child_name in children:
            _, made = domain_model.objects.get_or_create(
                slug=child_slug, defaults={"name": child_name, "parent": parent}
            )
            created += made
    return created
