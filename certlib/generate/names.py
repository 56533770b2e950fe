"""Small fixed word lists the generator draws names from (deterministic: lists never shuffle)."""

from __future__ import annotations

FIRST_NAMES_F = (
    "Jordyn Liberty Emma Olivia Ava Sophia Mia Isabella Amelia Harper Evelyn Abigail Ella Scarlett "
    "Grace Chloe Camila Luna Aria Layla Nora Zoey Riley Hazel Aurora Savannah Brooklyn Paisley Maya "
    "Naomi Elena Sarah Lucy Stella Violet Claire Madelyn Ivy Kinsley Ruby Alice Jade Quinn Leah"
).split()
FIRST_NAMES_M = (
    "Aiden Dylan Khriz Liam Noah Oliver Elijah James William Benjamin Lucas Henry Theodore Jack Levi "
    "Alexander Jackson Mateo Daniel Michael Mason Sebastian Ethan Logan Owen Samuel Jacob Asher Leo "
    "Wyatt Carter Julian Grayson Luke Isaac Gabriel Anthony Dominic Ezra Caleb Miles Nolan Adrian"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders "
    "Patel Myers Long Ross Foster Jimenez Begay Yazzie Tsosie Nakai"
).split()
# Place names for districts and schools.
PLACES = (
    "Cedar Falls|Pine Ridge|Red Rock|Silver Lake|Eagle Valley|Maple Grove|Bear Creek|Sunset Mesa|"
    "Clearwater|Granite Peak|Willow Springs|Prairie View|Stone Bridge|Fox Hollow|Iron Mountain|"
    "Blue Spruce|Copper Canyon|Lakeside|Riverbend|Oak Park|Highland|Meadowbrook|Sandy Point|"
    "Elk Horn|Crystal Lake|Westfield|Eastwood|Northgate|Southport|Harbor View|Aspen Grove|"
    "Painted Desert|Mesa Verde|Grand Forks|Twin Rivers|Lone Pine|Deer Park|Rolling Hills|Bayside|"
    "Brookside|Timberline|Summit|Valley Forge|Hidden Springs|Kingsbury|Ashford|Millbrook|Fairview|"
    "Greenfield|Cottonwood|Juniper Flats|Wolf Creek|Rio Verde|Sierra Vista|Canyon Ridge|Sweetwater|"
    "Hawthorne|Lincoln|Jefferson|Roosevelt|Franklin|Washington|Madison|Kennedy|Monroe|Jackson Hole|"
    "Big Sky|Thunder Basin|Shoshone|Laramie Plains|Snake River|Yellowstone|Bighorn|Teton|Platte"
).split("|")
DISTRICT_SUFFIXES = ("School District", "Public Schools", "Unified School District", "County Schools")
