"""The generator's vocabularies: stages, activity types, industries, countries, titles, names.

These are the labels a CRM export carries (lead statuses, deal stages, disqualification
reasons) and the pools the generator draws accounts and people from. Times are handled in
whole seconds since the epoch: :data:`DAY`, :data:`HOUR` and :data:`NAT` (the integer that
stands for a missing time).
"""

from __future__ import annotations

import numpy as np

SENIORITIES = ("C-level", "VP", "Director", "Manager", "Individual")
FUNCTIONS = ("marketing", "sales", "IT", "finance", "operations", "HR", "other")
BUCKETS = ("<1h", "1-24h", ">24h", "never")
TRANSITIONS = ("inquiry->mql", "mql->sal", "sal->sql", "sql->opportunity", "opportunity->won")
MARKETING_TYPES = (
    "web_visit", "content_download", "webinar", "email_click", "inbound_call", "event",
)
SALES_TYPES = ("call", "email", "meeting", "linkedin")
ACTIVITY_TYPES = MARKETING_TYPES + SALES_TYPES

#: Raw lead status labels (Salesforce-like) and the canonical stage each one means.
LEAD_STATUS = {
    "inquiry": "Open - Not Contacted",
    "mql": "Marketing Qualified",
    "sal": "Working - Contacted",
    "sql": "Sales Qualified",
    "opportunity": "Converted",
    "won": "Customer",
    "disqualified": "Closed - Not Converted",
}
OPEN_DEAL_STAGES = ("Discovery", "Demo", "Proposal", "Negotiation")
REASONS = (
    "No response", "Unresponsive", "Could not reach", "Not interested", "No budget", "Bad timing",
    "Chose competitor", "No decision", "No project", "Budget on hold", "Not a fit", "Aged out",
    "Student", "Competitor", "Invalid contact", "Duplicate",
)

#: SIC major groups the accounts are drawn from: CRM industry label and relative weight.
INDUSTRY_MIX: dict[str, tuple[str, float]] = {
    "73": ("Software & Business Services", 1.0),
    "36": ("Electronics", 1.0),
    "35": ("Industrial Machinery & Computers", 1.0),
    "80": ("Healthcare Services", 1.0),
    "63": ("Insurance", 1.0),
    "60": ("Banking", 0.9),
    "62": ("Financial Services", 0.6),
    "87": ("Engineering & Consulting", 1.0),
    "48": ("Telecommunications", 0.7),
    "50": ("Wholesale", 0.8),
    "51": ("Wholesale", 0.6),
    "28": ("Chemicals & Pharmaceuticals", 0.8),
    "20": ("Food & Beverage", 0.7),
    "15": ("Construction", 0.4),
    "17": ("Construction", 0.5),
    "42": ("Logistics", 0.6),
    "45": ("Air Transport", 0.3),
    "58": ("Restaurants", 0.3),
    "59": ("Retail", 0.6),
    "82": ("Education", 0.6),
    "70": ("Hospitality", 0.4),
    "49": ("Utilities", 0.4),
    "27": ("Media & Publishing", 0.5),
    "37": ("Automotive & Transport Equipment", 0.6),
    "38": ("Instruments & Medical Devices", 0.7),
    "65": ("Real Estate", 0.5),
    "81": ("Legal Services", 0.3),
    "34": ("Metal Products", 0.5),
    "30": ("Plastics & Rubber", 0.3),
    "86": ("Nonprofit & Associations", 0.3),
}

COUNTRIES = (  # name, region, weight, phone prefix
    ("United States", "North America", 0.62, "+1"),
    ("Canada", "North America", 0.07, "+1"),
    ("United Kingdom", "EMEA", 0.10, "+44"),
    ("Germany", "EMEA", 0.05, "+49 30"),
    ("France", "EMEA", 0.04, "+33 1"),
    ("Netherlands", "EMEA", 0.03, "+31 20"),
    ("Ireland", "EMEA", 0.02, "+353 1"),
    ("Australia", "APAC", 0.04, "+61 2"),
    ("Singapore", "APAC", 0.02, "+65"),
    ("India", "APAC", 0.01, "+91 22"),
)
SIZE_BANDS = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+")
SIZE_EDGES = np.array([10, 50, 200, 500, 1000, 5000])

_FUNCTION_WORDS = {
    "marketing": (
        "Marketing", "Demand Generation", "Digital Marketing", "Growth Marketing",
        "Product Marketing", "Brand Marketing",
    ),
    "sales": (
        "Sales", "Business Development", "Sales Ops", "Revenue Operations", "Inside Sales",
        "Sales Enablement",
    ),
    "IT": (
        "IT", "Information Technology", "Engineering", "Infrastructure", "Technology",
        "IT Operations",
    ),
    "finance": ("Finance", "FP&A", "Accounting", "Financial Planning"),
    "operations": ("Operations", "Supply Chain", "Business Operations", "Logistics"),
    "HR": ("Human Resources", "HR", "People", "Talent Acquisition", "People Operations"),
    "other": ("Customer Success", "Product", "Legal", "Procurement", "Strategy"),
}
_C_LEVEL = {
    "marketing": ("Chief Marketing Officer", "CMO"),
    "sales": ("Chief Revenue Officer", "CRO", "Chief Sales Officer"),
    "IT": ("Chief Technology Officer", "CTO", "Chief Information Officer", "CIO"),
    "finance": ("Chief Financial Officer", "CFO"),
    "operations": ("Chief Operating Officer", "COO"),
    "HR": ("Chief People Officer", "Chief Human Resources Officer", "CHRO"),
    "other": (
        "CEO", "Chief Executive Officer", "Founder & CEO", "President", "Owner", "Co-Founder",
    ),
}
_PATTERNS = {
    "VP": (
        "VP of {f}", "VP, {f}", "Vice President of {f}", "Vice President, {f}", "SVP {f}",
        "SVP, {f}", "EVP, {f}", "VP {f}",
    ),
    "Director": (
        "Director of {f}", "{f} Director", "Sr. Director, {f}", "Senior Director of {f}",
        "Head of {f}", "Director, {f}",
    ),
    "Manager": (
        "{f} Manager", "Manager, {f}", "Sr. {f} Manager", "Senior Manager, {f}", "{f} Team Lead",
    ),
}
_INDIVIDUAL = {
    "marketing": (
        "Marketing Specialist", "Marketing Coordinator", "Content Marketing Specialist",
        "SEO Specialist", "Marketing Associate", "Digital Marketing Analyst",
    ),
    "sales": (
        "Account Executive", "Sales Representative", "SDR", "Business Development Representative",
        "Sales Associate", "Account Manager",
    ),
    "IT": (
        "Software Engineer", "Senior Software Engineer", "Systems Administrator", "Developer",
        "DevOps Engineer", "Data Engineer", "IT Specialist",
    ),
    "finance": ("Accountant", "Financial Analyst", "Staff Accountant", "Billing Specialist"),
    "operations": (
        "Operations Analyst", "Operations Coordinator", "Logistics Coordinator", "Buyer",
    ),
    "HR": ("Recruiter", "HR Generalist", "Talent Acquisition Specialist", "HR Coordinator"),
    "other": (
        "Consultant", "Student", "Intern", "Analyst", "Customer Success Associate", "Freelancer",
    ),
}

_FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Paul Emily Andrew "
    "Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy "
    "Stephanie Ronald Rebecca Jason Laura Edward Sharon Jeffrey Cynthia Ryan Kathleen Jacob Amy "
    "Gary Angela Nicholas Anna Eric Ruth Jonathan Brenda Stephen Pamela Larry Nicole Justin "
    "Katherine Scott Samantha Brandon Christine Benjamin Emma Samuel Catherine Priya Wei Mohammed "
    "Sofia Lukas Chloe Mateo Aisha Hiroshi Fatima Olivier Ingrid Raj Mei Diego Leila"
).split()
_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook "
    "Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward "
    "Richardson Watson Brooks Chavez Wood James Patel Chen Muller Dubois Schmidt Rossi Tanaka "
    "Singh Kowalski Jansen Okafor Larsen Novak Fischer"
).split()
_COMPANY_A = (
    "Apex Blue Summit North Bright Silver Granite Harbor Pioneer Vertex Crest Lumen Cedar Atlas "
    "Nova Orion Evergreen Redwood Keystone Beacon Iron Clear Swift Union Prime Sterling Meridian "
    "Horizon Falcon Pacific Liberty Quantum Delta Tri-State Lakeside Riverbend Oak Maple Coastal "
    "Frontier Metro Alpine Signal Anchor Bridgewater Copper Highland Heritage Insight Paragon"
).split()
_COMPANY_B = (
    "Systems Labs Industries Partners Group Solutions Health Logistics Foods Manufacturing "
    "Networks Analytics Holdings Technologies Dynamics Capital Works Supply Electronics Services "
    "Insurance Bank Energy Media Devices Consulting Retail Materials Motors Pharma"
).split()
_COMPANY_SUFFIX = ("Inc.", "LLC", "Corp.", "Co.", "Ltd", "", "", "")
_FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com")

#: Seconds in a day and in an hour; times are integer seconds since the epoch (UTC).
DAY = 86_400
HOUR = 3_600
#: The integer that marks a missing time (``NaT`` once converted to ``datetime64``).
NAT = np.iinfo(np.int64).min
